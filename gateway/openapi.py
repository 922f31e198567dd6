"""Declared operations: each route states its body, query and response models once; the same
declaration validates the request and produces /openapi.json."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, ValidationError

from gateway.errors import TITLES, ApiError, from_validation_error
from gateway.versions import etag

View = Callable[..., Any]
Guard = Callable[["Operation"], None]
Wrapper = Callable[["Operation", Callable[[], Response]], Response]


IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "the ETag of the record as it was read; a record changed since is a 412",
    "schema": {"type": "string", "maxLength": 20},
}


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    auth: bool = True
    area: str | None = None
    write: bool = False
    roles: frozenset[str] = frozenset()
    idempotent: bool = False
    body_optional: bool = False
    form: type[BaseModel] | None = None  # multipart/form-data fields besides the `file` part
    produces: str | None = None  # a file instead of JSON
    # open to a user whose password must change first (everything else is 403 until she has)
    before_password_change: bool = False
    versioned: bool = False  # a change that may name the version it was made on (If-Match)


def _parse(model: type[BaseModel], data: Any, location: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise from_validation_error(error, location) from None


def readable_text(value: Any) -> Any:
    """Text nobody can type is refused by name: a NUL character (PostgreSQL keeps none) and a
    lone surrogate half (JSON may escape one, "\\udafa", but it is no character, and neither
    protobuf nor a database can store it); each was a 500 further down."""
    waiting: list[tuple[str, Any]] = [("", value)]
    while waiting:  # not recursive: a body may be nested as deep as the parser allows
        field, item = waiting.pop()
        if isinstance(item, str):
            _refuse_unreadable(field or "body", item)
        if isinstance(item, dict | list):
            if isinstance(item, dict):
                for key in item:
                    _refuse_unreadable(field or "body", key)
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            waiting += [(f"{field}.{key}" if field else str(key), inner) for key, inner in pairs]
    return value


def _refuse_unreadable(field: str, text: str) -> None:
    if "\x00" in text:
        raise ApiError.invalid(field, "must not contain a NUL character", "nul_character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        message = "must be Unicode text (it holds a lone surrogate)"
        raise ApiError.invalid(field, message, "not_unicode") from None


def json_body() -> Any:
    if not request.data:
        raise ApiError(400, "a JSON body is required")
    try:
        return json.loads(request.data)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "the body is not valid JSON") from None
    except RecursionError:
        raise ApiError(400, "the body is nested too deeply") from None


def render(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status=204 if status == 200 else status)
    payload = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
    response = Response(
        json.dumps(payload, ensure_ascii=False), status, mimetype="application/json"
    )
    version = getattr(result, "version", None)
    if isinstance(version, int):  # a record: its version is its ETag (gateway.versions)
        response.headers["ETag"] = etag(version)
    return response


class ApiSpec:
    """Collects operations; `guard` authenticates/authorises, `wrap` adds idempotency."""

    def __init__(self, title: str, version: str, prefix: str) -> None:
        self.title = title
        self.version = version
        self.prefix = prefix
        self.operations: list[Operation] = []
        self.guard: Guard = lambda operation: None
        self.wrap: Wrapper = lambda operation, call: call()

    def route(
        self, blueprint: Blueprint, rule: str, method: str, **options: Any
    ) -> Callable[[View], View]:
        path = self.prefix + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)
        operation = Operation(path=path, method=method.lower(), tag=blueprint.name, **options)
        self.operations.append(operation)

        def decorator(view: View) -> View:
            @functools.wraps(view)
            def endpoint(**path_args: Any) -> Response:
                self.guard(operation)
                return self.wrap(operation, lambda: self._call(operation, view, path_args))

            blueprint.add_url_rule(
                rule, f"{view.__name__}_{method.lower()}", endpoint, methods=[method]
            )
            return view

        return decorator

    def _call(self, operation: Operation, view: View, path_args: dict[str, Any]) -> Response:
        kwargs = dict(readable_text(path_args))
        if operation.query is not None:
            query = readable_text(request.args.to_dict())
            kwargs["query"] = _parse(operation.query, query, "query")
        if operation.body is not None:
            data = {} if operation.body_optional and not request.data else json_body()
            kwargs["body"] = _parse(operation.body, readable_text(data), "body")
        if operation.form is not None:
            readable_text({name: part.filename or "" for name, part in request.files.items()})
            kwargs["form"] = _parse(operation.form, readable_text(request.form.to_dict()), "form")
        return render(view(**kwargs), operation.status)

    # -- OpenAPI -------------------------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        components: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
        paths: dict[str, dict[str, Any]] = {}
        for operation in self.operations:
            paths.setdefault(operation.path, {})[operation.method] = self._describe(
                operation, components
            )
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "paths": paths,
            "components": {
                "schemas": components,
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                },
            },
        }

    def _describe(self, operation: Operation, components: dict[str, Any]) -> dict[str, Any]:
        described: dict[str, Any] = {
            "summary": operation.summary,
            "tags": [operation.tag],
            "operationId": f"{operation.method}_{re.sub(r'[^a-z0-9]+', '_', operation.path.lower()).strip('_')}",
            "parameters": self._parameters(operation, components),
            "responses": self._responses(operation, components),
        }
        if operation.auth:
            described["security"] = [{"bearer": []}, {"apiKey": []}]
        if operation.body is not None:
            schema = _reference(operation.body, components)
            described["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": schema}},
            }
        if operation.versioned:
            described["parameters"].append(IF_MATCH)
        if operation.idempotent:
            described["parameters"].append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "maxLength": 200},
                }
            )
        return described

    def _parameters(self, operation: Operation, components: dict[str, Any]) -> list[dict[str, Any]]:
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{(\w+)}", operation.path)
        ]
        if operation.query is not None:
            schema = operation.query.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(schema.pop("$defs", {}))
            required = set(schema.get("required", []))
            for name, prop in schema.get("properties", {}).items():
                parameters.append(
                    {"name": name, "in": "query", "required": name in required, "schema": prop}
                )
        return parameters

    def _responses(self, operation: Operation, components: dict[str, Any]) -> dict[str, Any]:
        problem_ref = {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
        responses: dict[str, Any] = {}
        if operation.response is not None:
            schema = _reference(operation.response, components)
            responses[str(operation.status)] = {
                "description": "OK",
                "content": {"application/json": {"schema": schema}},
            }
        else:
            responses["204" if operation.status == 200 else str(operation.status)] = {
                "description": "Done"
            }
        statuses = [400, 422] if operation.body or operation.query or operation.form else []
        statuses += [401, 403] if operation.auth else []
        statuses += [404] if "{" in operation.path else []
        statuses += [409] if operation.write else []
        statuses += [412] if operation.versioned else []
        for status in statuses:
            responses[str(status)] = {"description": TITLES[status], "content": problem_ref}
        return responses


def _form_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema.pop("title", None)
    schema["properties"]["file"] = {"type": "string", "format": "binary"}
    schema["required"] = [*schema.get("required", []), "file"]
    return schema


def _reference(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string", "description": "in English"},
                    "code": {
                        "type": "string",
                        "description": "stable, to say it in the reader's language: required, "
                        "too_long, not_an_amount, not_found, archived, ... (invalid: no other)",
                    },
                    "params": {"type": "object", "description": 'e.g. {"max_length": 200}'},
                },
            },
        },
        "existing_id": {"type": "string"},
    },
    "required": ["title", "status", "detail"],
}
