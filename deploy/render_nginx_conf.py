"""Fill deploy/nginx.conf's ${NAME} placeholders and print the configuration.

    python3 deploy/render_nginx_conf.py LISTEN=80 SERVER_NAME=gpt-actu.example ... > nginx.conf
    python3 deploy/render_nginx_conf.py --local FOLDER PORT APP_PORT_1 APP_PORT_2 STATIC_ROOT

The second form is a run on 127.0.0.1 by the current user, its pid, logs and cache under FOLDER
(the tests and bench/ use it).

Every placeholder must be given as a NAME=value argument; a missing one is an error, never
an empty value. nginx's own variables ($host, $cookie_session…) are left as
they are. Standard library only: it runs with the system's python3.
"""

import os
import pwd
import re
import sys
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf"
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


def placeholders(template: str) -> list[str]:
    """The names the template needs, in order of first use."""
    return list(dict.fromkeys(PLACEHOLDER.findall(template)))


def render(values: dict[str, str], template: str | None = None) -> str:
    """The template with every placeholder replaced; KeyError names the missing ones."""
    text = TEMPLATE.read_text() if template is None else template
    missing = [name for name in placeholders(text) if not values.get(name)]
    if missing:
        raise KeyError(", ".join(missing))
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def local_values(folder: Path, port: int, app_ports: list[int], static_root: Path) -> dict:
    """The values for nginx on 127.0.0.1:`port` in front of two app servers on 127.0.0.1, run
    by the current user, with its pid, temp files, logs and cache under `folder`."""
    return {
        "NGINX_USER": pwd.getpwuid(os.getuid()).pw_name,
        "PID_FILE": str(folder / "run" / "nginx.pid"),
        "TEMP_DIR": str(folder / "run"),
        "LOG_DIR": str(folder / "log"),
        "CACHE_DIR": str(folder / "cache"),
        "LISTEN": f"127.0.0.1:{port}",
        "SERVER_NAME": "127.0.0.1",
        "APP_SERVER_1": f"127.0.0.1:{app_ports[0]}",
        "APP_SERVER_2": f"127.0.0.1:{app_ports[1]}",
        "STATIC_ROOT": str(static_root),
        "DOWNLOADS_FOLDER": str(folder / "downloads"),
    }


def main(arguments: list[str]) -> int:
    if arguments[:1] == ["--local"] and len(arguments) == 6:
        folder, port, first, second, static_root = arguments[1:]
        values = local_values(Path(folder), int(port), [int(first), int(second)], Path(static_root))
        sys.stdout.write(render(values))
        return 0
    values: dict[str, str] = {}
    for argument in arguments:
        name, sep, value = argument.partition("=")
        if not sep:
            print(f"usage: {sys.argv[0]} NAME=value ...", file=sys.stderr)
            return 2
        values[name] = value
    try:
        sys.stdout.write(render(values))
    except KeyError as error:
        print(f"missing values for: {error.args[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
