"""Every error leaves the gateway as application/problem+json; one table maps gRPC to HTTP."""

from __future__ import annotations

import json
import logging
from typing import Any

import grpc
from flask import Flask, Response, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from crmkit.db import DATABASE_UNAVAILABLE
from crmkit.grpc_client import failure_of

log = logging.getLogger(__name__)

HTTP_STATUS_OF_GRPC = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.OUT_OF_RANGE: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 412,  # a stale version (crmkit.errors.Stale)
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 503,
}

TITLES = {
    400: "Malformed request",
    401: "Not authenticated",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Changed meanwhile",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid field",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}
        self.extra = extra

    @classmethod
    def invalid(cls, field: str, message: str, code: str = "invalid", **params: Any) -> ApiError:
        error = {"field": field, "message": message, "code": code, "params": params}
        return cls(422, f"{field}: {message}", [error])


def problem(
    status: int, detail: str, errors: list[dict[str, Any]] | None = None, **extra: Any
) -> Response:
    body = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "errors": errors or [],
        **{k: v for k, v in extra.items() if v is not None},
    }
    return Response(
        json.dumps(body, ensure_ascii=False), status, mimetype="application/problem+json"
    )


def from_rpc_error(error: grpc.RpcError) -> ApiError:
    failure = failure_of(error)
    status = HTTP_STATUS_OF_GRPC.get(failure.code, 500)
    if status == 503:
        return ApiError(503, "a service is not answering; try again shortly")
    if status == 500:
        log.error(
            "service failed", extra={"grpc_code": str(failure.code), "details": failure.details}
        )
        return ApiError(500, "internal error")
    carried = failure.problem
    detail = carried.get("detail") or failure.details
    return ApiError(status, detail, carried.get("errors"), existing_id=carried.get("existing_id"))


# What a person can act on, for the formats the schemas check with a pattern (pydantic's own
# message quotes the regular expression): the code a client says it by, and the English.
PATTERN_MESSAGES = {
    r"^[A-Za-z0-9_.:-]+$": ("not_an_id", "must be an id: letters, digits and _ . : - only"),
    r"^\+?[0-9 ().-]{5,30}$": ("not_a_phone", "must be a phone number: 5 to 30 digits, spaces or + ( ) . -"),
    r"^[0-9A-Za-z-]{5,20}$": ("not_a_tax_id", "must be a tax id: 5 to 20 letters, digits or -"),
    r"^-?\d{1,16}(\.\d{1,2})?$": ("not_an_amount", "must be an amount such as 1250.00 (at most 2 decimals)"),
    r"^(100(\.0{1,2})?|\d{1,2}(\.\d{1,2})?)$": ("not_a_percentage", "must be a percentage from 0 to 100"),
    r"^[A-Z]{3}$": ("not_a_currency", "must be a currency code of three capital letters, such as VND"),
    r"^[A-Za-z0-9_.:-]{1,64}(,[A-Za-z0-9_.:-]{1,64}){0,499}$": (
        "not_ids", "must be up to 500 ids separated by commas"
    ),
    r"^\d{1,12}(\.\d{1,4})?$": ("not_a_quantity", "must be a quantity such as 10 or 2.5"),
    r"^\d{1,16}(\.\d{1,4})?$": ("not_a_number", "must be a number that is not negative, such as 1250.00"),
    r"^[\w.@+-]+$": ("not_a_username", "may hold only letters, digits and . @ + - _"),
    r"^[a-z]+:(read|write)$": ("not_a_scope", "must be a scope such as erp:write"),
    r"^[a-z_]+(\.[a-z_]+){1,3}$": ("not_an_event", "must be an event such as invoice.overdue"),
    r"^[A-Za-z0-9_=-]+$": ("not_a_cursor", "must be the next_cursor of a page, as it was given"),
}  # fmt: skip

# pydantic's error types, as the stable codes of docs/api.md (others: "invalid").
CODES = {
    "missing": "required", "string_too_long": "too_long", "too_long": "too_long",
    "string_too_short": "too_short", "too_short": "too_short", "extra_forbidden": "unknown_field",
    "literal_error": "not_one_of", "enum": "not_one_of", "greater_than_equal": "too_small",
    "greater_than": "too_small", "less_than_equal": "too_large", "less_than": "too_large",
    "int_parsing": "not_a_number", "int_type": "not_a_number", "float_parsing": "not_a_number",
    "decimal_parsing": "not_a_number", "bool_parsing": "not_a_boolean", "date_from_datetime_parsing": "not_a_date",
    "date_parsing": "not_a_date", "datetime_parsing": "not_a_datetime", "datetime_from_date_parsing": "not_a_datetime",
    "timezone_aware": "not_a_datetime", "value_error": "invalid", "string_type": "not_text",
    "list_type": "not_a_list", "dict_type": "not_an_object", "model_type": "not_an_object",
    "uuid_parsing": "not_an_id", "json_invalid": "not_json", "not_a_time_zone": "not_a_time_zone",
}  # fmt: skip
# The limits a client needs to say what was wrong ("at most 200 characters").
PARAMS = ("max_length", "min_length", "ge", "gt", "le", "lt", "expected")


def _params(context: dict[str, Any]) -> dict[str, Any]:
    found = {name: context[name] for name in PARAMS if name in context}
    return {k: v if isinstance(v, int | float | str) else str(v) for k, v in found.items()}


def from_validation_error(error: ValidationError, location: str) -> ApiError:
    errors = []
    for item in error.errors(include_url=False):
        path = ".".join(str(part) for part in item["loc"]) or location
        context = item.get("ctx") or {}
        code, message = CODES.get(item["type"], "invalid"), item["msg"]
        if context.get("pattern") in PATTERN_MESSAGES:
            code, message = PATTERN_MESSAGES[context["pattern"]]
        errors.append({"field": path, "message": message, "code": code, "params": _params(context)})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return ApiError(422, detail, errors)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(error: ApiError) -> Response:
        response = problem(error.status, error.detail, error.errors, **error.extra)
        response.headers.update(error.headers)
        return response

    @app.errorhandler(grpc.RpcError)
    def rpc_error(error: grpc.RpcError) -> Response:
        return api_error(from_rpc_error(error))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if status == 413 and request.mimetype == "multipart/form-data":
            message = "is larger than an upload may be (25 MB)"
            too_large = {"field": "file", "message": message, "code": "too_large", "params": {"max_mb": 25}}  # fmt: skip
            return problem(413, f"file: {message}", [too_large])
        return problem(status, error.description or TITLES.get(status, "Error"))

    def database_unavailable(error: Exception) -> Response:
        log.warning("gateway database unavailable: %s", type(error).__name__)
        response = problem(503, "the gateway's database is not answering; try again shortly")
        response.headers["Retry-After"] = "2"
        return response

    for unavailable in DATABASE_UNAVAILABLE:
        app.register_error_handler(unavailable, database_unavailable)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return problem(500, "internal error")
