"""Extensions, created unbound here and attached to the app in `create_app`."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations deterministic on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    # mypy cannot see the class Flask-SQLAlchemy builds on `Base` at run time; models
    # subclass `Model`, which is exactly that class when the code runs.
    Model = Base
else:
    Model = db.Model
migrate = Migrate(render_as_batch=True)
csrf = CSRFProtect()
babel = Babel()


class StoreLoginManager(LoginManager):
    """Flask-Login, refusing damaged remember-me cookies instead of failing on them."""

    def _load_user_from_remember_cookie(self, cookie):
        # hmac.compare_digest raises on non-ASCII text: such a cookie was not made by us.
        if not cookie.isascii():
            return None
        return super()._load_user_from_remember_cookie(cookie)


login_manager = StoreLoginManager()
# Storage from RATELIMIT_STORAGE_URI: memory:// by default, redis://… with several workers.
limiter = Limiter(key_func=get_remote_address)
