"""Login, tokens, users, groups and API keys."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from crmkit.identity import current_identity
from gateway import accounts, auth
from gateway.api import spec
from gateway.api.company import company_time_zone
from gateway.context import gateway
from gateway.errors import ApiError
from gateway.schemas import identity as s
from gateway.schemas.common import PageQuery
from gateway.versions import expected_version

bp = Blueprint("identity", __name__)
ADMIN = frozenset({"admin"})
# Everyone signed in reads the staff list; a machine's key only with a `users:read` scope.
PEOPLE = "users"


@spec.route(
    bp,
    "/auth/login",
    "POST",
    summary="Log in with user name and password",
    body=s.Login,
    response=s.Tokens,
    auth=False,
)
def login(body: s.Login) -> s.Tokens:
    with gateway().engine.begin() as conn:
        auth.check_login_allowed(conn, body.username)
        user = accounts.user_by_name(conn, body.username)
        stored = user.password_hash if user is not None else auth.decoy_hash()
        if not auth.password_matches(stored, body.password) or user is None:
            auth.record_failed_login(conn, body.username)
            failed = True
        else:
            failed = False
            tokens = auth.issue_tokens(conn, user)
    if failed:
        raise ApiError(401, "wrong user name or password")
    return answer(tokens)


@spec.route(
    bp,
    "/auth/refresh",
    "POST",
    summary="Trade a refresh token for new tokens",
    body=s.Refresh,
    response=s.Tokens,
    auth=False,
)
def refresh(body: s.Refresh) -> s.Tokens:
    with gateway().engine.begin() as conn:
        tokens = auth.rotate_refresh_token(conn, body.refresh_token)
    if tokens is None:
        raise ApiError(401, "this refresh token was already used; all its sessions are now closed")
    return answer(tokens)


def answer(tokens: auth.IssuedTokens) -> s.Tokens:
    return s.Tokens(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        must_change_password=tokens.must_change_password,
    )


@spec.route(
    bp,
    "/me",
    "GET",
    summary="The user behind the token, with the company's time zone beside her own",
    response=s.Me,
    before_password_change=True,
)
def me() -> s.Me:
    with gateway().engine.connect() as conn:
        found = accounts.get_user(conn, _my_id())
    return s.Me.model_validate(found | {"company_time_zone": company_time_zone()})


@spec.route(
    bp,
    "/me",
    "PATCH",
    summary="Change what a user sets for herself: her time zone",
    body=s.MyChange,
    response=s.Me,
    write=True,
)
def change_me(body: s.MyChange) -> s.Me:
    with gateway().engine.begin() as conn:
        user_id = _my_id()
        accounts.update_user(conn, user_id, body.model_dump(), None, user_id)
    return me()


def _my_id() -> str:
    identity = current_identity()
    if identity.user_id.startswith("apikey:"):
        raise ApiError(404, "an API key is not a user")
    return identity.user_id


@spec.route(
    bp,
    "/me/password",
    "POST",
    summary="Change your own password (your other sessions are closed)",
    body=s.PasswordChange,
    write=True,
    before_password_change=True,
)
def change_my_password(body: s.PasswordChange) -> None:
    with gateway().engine.begin() as conn:
        accounts.change_own_password(conn, _my_id(), body.current, body.new)


@spec.route(
    bp,
    "/users",
    "POST",
    summary="Create a user",
    body=s.UserCreate,
    response=s.User,
    status=201,
    roles=ADMIN,
    write=True,
    idempotent=True,
)
def create_user(body: s.UserCreate) -> s.User:
    with gateway().engine.begin() as conn:
        return s.User.model_validate(accounts.create_user(conn, body.model_dump()))


@spec.route(
    bp, "/users", "GET", summary="List users", query=PageQuery, response=s.UserPage, area=PEOPLE
)
def list_users(query: PageQuery) -> s.UserPage:
    with gateway().engine.connect() as conn:
        items, total = accounts.list_users(conn, query.page, query.page_size)
    page = {"items": items, "total": total, "page": query.page, "page_size": query.page_size}
    return s.UserPage.model_validate(page)


@spec.route(bp, "/users/<user_id>", "GET", summary="One user", response=s.User, area=PEOPLE)
def get_user(user_id: str) -> s.User:
    with gateway().engine.connect() as conn:
        found = accounts.get_user(conn, user_id)
    return s.User.model_validate(found)


@spec.route(
    bp,
    "/users/<user_id>",
    "PATCH",
    summary="Change a user's name, e-mail, roles, groups or supervisor (only the fields sent)",
    body=s.UserPatch,
    response=s.User,
    roles=ADMIN,
    write=True,
    versioned=True,
)
def update_user(user_id: str, body: s.UserPatch) -> s.User:
    changes = body.model_dump(include=body.model_fields_set)
    with gateway().engine.begin() as conn:
        by = current_identity().user_id
        found = accounts.update_user(conn, user_id, changes, expected_version(), by)
    return s.User.model_validate(found)


@spec.route(
    bp,
    "/users/<user_id>/password",
    "POST",
    summary="Set a new password for a user (her sessions are closed); she may have to change it",
    body=s.PasswordReset,
    roles=ADMIN,
    write=True,
)
def reset_password(user_id: str, body: s.PasswordReset) -> None:
    with gateway().engine.begin() as conn:
        accounts.reset_password(conn, user_id, body.password, body.must_change)


@spec.route(
    bp,
    "/users/<user_id>/deactivate",
    "POST",
    summary="Deactivate a user: her tokens, sessions and API keys stop at once",
    response=s.User,
    roles=ADMIN,
    write=True,
)
def deactivate_user(user_id: str) -> s.User:
    with gateway().engine.begin() as conn:
        found = accounts.set_active(conn, user_id, False, current_identity().user_id)
    return s.User.model_validate(found)


@spec.route(
    bp,
    "/users/<user_id>/activate",
    "POST",
    summary="Activate a deactivated user again",
    response=s.User,
    roles=ADMIN,
    write=True,
)
def activate_user(user_id: str) -> s.User:
    with gateway().engine.begin() as conn:
        found = accounts.set_active(conn, user_id, True, current_identity().user_id)
    return s.User.model_validate(found)


@spec.route(
    bp,
    "/groups",
    "POST",
    summary="Create a group of users",
    body=s.GroupCreate,
    response=s.Group,
    status=201,
    roles=ADMIN,
    write=True,
    idempotent=True,
)
def create_group(body: s.GroupCreate) -> s.Group:
    with gateway().engine.begin() as conn:
        return s.Group.model_validate(accounts.create_group(conn, body.name))


@spec.route(
    bp,
    "/groups",
    "GET",
    summary="List groups of users (the archived ones with archived=true)",
    query=s.GroupQuery,
    response=s.GroupPage,
    area=PEOPLE,
)
def list_groups(query: s.GroupQuery) -> dict[str, Any]:
    with gateway().engine.connect() as conn:
        items, total = accounts.list_groups(conn, query.page, query.page_size, query.archived)
    return {"items": items, "total": total, "page": query.page, "page_size": query.page_size}


@spec.route(bp, "/groups/<group_id>", "GET", summary="One group", response=s.Group, area=PEOPLE)
def get_group(group_id: str) -> s.Group:
    with gateway().engine.connect() as conn:
        found = accounts.get_group(conn, group_id)
    return s.Group.model_validate(found)


@spec.route(
    bp,
    "/groups/<group_id>",
    "PATCH",
    summary="Rename a group",
    body=s.GroupPatch,
    response=s.Group,
    roles=ADMIN,
    write=True,
    versioned=True,
)
def rename_group(group_id: str, body: s.GroupPatch) -> s.Group:
    with gateway().engine.begin() as conn:
        found = accounts.rename_group(conn, group_id, body.name, expected_version())
    return s.Group.model_validate(found)


@spec.route(
    bp,
    "/groups/<group_id>",
    "DELETE",
    summary="Archive a group: it leaves the list, its members keep it",
    roles=ADMIN,
    write=True,
)
def archive_group(group_id: str) -> None:
    with gateway().engine.begin() as conn:
        accounts.set_archived(conn, group_id, True)


@spec.route(
    bp,
    "/groups/<group_id>/restore",
    "POST",
    summary="Bring an archived group back into the list",
    response=s.Group,
    roles=ADMIN,
    write=True,
)
def restore_group(group_id: str) -> s.Group:
    with gateway().engine.begin() as conn:
        found = accounts.set_archived(conn, group_id, False)
    return s.Group.model_validate(found)


@spec.route(
    bp,
    "/api-keys",
    "POST",
    summary="Create an API key for a machine (the key is shown once)",
    body=s.ApiKeyCreate,
    response=s.ApiKeyCreated,
    status=201,
    roles=ADMIN,
    write=True,
)
def create_api_key(body: s.ApiKeyCreate) -> s.ApiKeyCreated:
    with gateway().engine.begin() as conn:
        created = accounts.create_api_key(conn, body.name, body.scopes, current_identity().user_id)
    return s.ApiKeyCreated.model_validate(created)


@spec.route(
    bp,
    "/api-keys",
    "GET",
    summary="List API keys (without the keys)",
    query=PageQuery,
    response=s.ApiKeyPage,
    roles=ADMIN,
)
def list_api_keys(query: PageQuery) -> s.ApiKeyPage:
    with gateway().engine.connect() as conn:
        items, total = accounts.list_api_keys(conn, query.page, query.page_size)
    return s.ApiKeyPage.model_validate(
        {"items": items, "total": total, "page": query.page, "page_size": query.page_size}
    )


@spec.route(
    bp, "/api-keys/<key_id>", "DELETE", summary="Revoke an API key", roles=ADMIN, write=True
)
def revoke_api_key(key_id: str) -> None:
    with gateway().engine.begin() as conn:
        accounts.revoke_api_key(conn, key_id)
