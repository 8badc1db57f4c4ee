"""What every request and response goes through for safety: security headers (Flask-Talisman,
with the content security policy), request size and content checks, who may cache each answer
(store/ops/http_cache.py), compression (Flask-Compress), and the trusted proxies."""

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, abort, request
from flask_login import current_user
from werkzeug.routing import RequestRedirect

#: no inline script or style anywhere: the policy allows only the site's own files; forms lead
#: only to the site and to Stripe's hosted Checkout and customer portal (form-action also
#: governs the redirect a form's POST answers with, which is how the store sends customers there)
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self' https://checkout.stripe.com https://billing.stripe.com",
    "frame-ancestors": "'none'",
}


#: the only endpoints that accept bodies larger than MAX_CONTENT_LENGTH (file uploads)
UPLOAD_ENDPOINTS = {"admin.product_new", "admin.product_edit"}


def register_security(app: Flask) -> None:
    """Security headers (Flask-Talisman), who may cache each page, and response
    compression (Flask-Compress)."""
    from flask_compress import Compress
    from flask_talisman import Talisman

    from store.ops.form_action import FormActionSources
    from store.ops.http_cache import register_http_cache

    Talisman(
        app,
        # TLS ends at the proxy in production; HSTS is still sent on every https request.
        force_https=False,
        frame_options="DENY",
        content_security_policy={
            **CONTENT_SECURITY_POLICY,
            # plus the configured Stripe double's origin, when STRIPE_API_BASE names one
            "form-action": FormActionSources(CONTENT_SECURITY_POLICY["form-action"]),
        },
        referrer_policy="strict-origin-when-cross-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        strict_transport_security=True,
    )
    register_http_cache(app)
    Compress(app)

    @app.before_request
    def limit_request_size():
        # Bodies are refused (413) past MAX_CONTENT_LENGTH before anything reads them; only
        # the admin's product form, which uploads the files sold, may send more.
        if request.endpoint in UPLOAD_ENDPOINTS and getattr(current_user, "is_admin", False):
            request.max_content_length = app.config["DOWNLOAD_MAX_BYTES"] + 1024 * 1024

    @app.before_request
    def refuse_nul_characters():
        # No text the store keeps may hold a NUL (PostgreSQL refuses it): say so with a 400.
        if request.endpoint == "payments.webhook":
            return  # the raw body is for the signature check; it is JSON, checked there
        values = [request.path]
        values += [value for _, listed in request.args.lists() for value in listed]
        if request.method == "POST":
            values += [value for _, listed in request.form.lists() for value in listed]
        if any("\x00" in value for value in values):
            abort(400, description="NUL character in the request")

    @app.before_request
    def refuse_json_forms():
        # Every form of the store is an HTML form. Flask-WTF would read a JSON body as the
        # form's fields and fail on JSON of another shape: a 400 says so first. Only Stripe's
        # webhook takes JSON, and checks it itself.
        if (
            request.method in ("POST", "PUT", "PATCH", "DELETE")
            and request.is_json
            and request.endpoint != "payments.webhook"
        ):
            abort(400, description="a JSON body where a form was expected")

    @app.after_request
    def redirect_within_the_site(response):
        # Werkzeug's own redirects (a doubled slash merged, a missing trailing slash) are built
        # from the Host header the client sent; the path alone says the same, and cannot lead
        # to the host a client chose, whatever TRUSTED_HOSTS says.
        if isinstance(request.routing_exception, RequestRedirect) and response.location:
            target = urlsplit(response.location)
            path = "/" + target.path.lstrip("/")  # never "//host": that would leave the site
            response.location = urlunsplit(("", "", path, target.query, ""))
        return response

    @app.after_request
    def buffer_static_files(response):
        # Static files are small: read them into memory so Flask-Compress can compress them
        # (it leaves a streamed file's handle open) and close the file here.
        if request.endpoint == "static" and response.is_streamed and response.status_code == 200:
            stream = response.response
            response.direct_passthrough = False
            data = b"".join(stream)
            if hasattr(stream, "close"):
                stream.close()
            response.set_data(data)
        return response


def register_proxies(app: Flask) -> None:
    """With PROXY_COUNT, the client's address (rate limits, logs), scheme and host come from
    the trusted proxies' X-Forwarded-* headers. The outermost WSGI layer: everything inside,
    the page cache included, sees the request as the app trusts it (an https visitor's page
    is never one rendered for http, without Strict-Transport-Security)."""
    if not app.config.get("PROXY_COUNT"):
        return
    from werkzeug.middleware.proxy_fix import ProxyFix

    count = app.config["PROXY_COUNT"]
    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask documents this wrapping
        app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count
    )
