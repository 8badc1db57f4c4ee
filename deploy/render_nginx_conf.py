"""Fill deploy/nginx.conf's ${NAME} placeholders and print the configuration.

    python3 deploy/render_nginx_conf.py LISTEN=80 SERVER_NAME=gpt-actu.example ... > nginx.conf

Every placeholder must be given as a NAME=value argument; a missing one is an error, never
an empty value. nginx's own variables ($host, $cookie_session…) are left as
they are. Standard library only: it runs with the system's python3.
"""

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


def main(arguments: list[str]) -> int:
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
