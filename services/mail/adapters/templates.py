"""Mail templates filled in by Jinja's sandbox, bounded so that a template cannot exhaust the
worker: no huge strings or numbers built with * or **, no range of more than 1,000."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, Template, TemplateError, TemplateSyntaxError, Undefined
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from services.mail.service_layer.ports import TemplateFailed

MAX_TEMPLATE_TEXT = 1_000_000  # characters a template may build with * or **
MAX_TEMPLATE_RANGE = 1_000  # items a template's range() may count
RENDER_ERRORS = (TemplateError, TypeError, ValueError, ArithmeticError)
# A template is tried when saved, on a sample in which any name may be missing (rules fill in
# event.*, mailings contact.*): only what it builds is judged then, not the values it meets.
SAMPLE = {
    "contact": {"full_name": "Nguyễn Văn An", "position": "Giám đốc"},
    "counterparty": {"name": "Công ty TNHH Mẫu"},
    "unsubscribe_url": "https://example.invalid/unsubscribe/token",
}


class BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox keeps a template away from Python; this also keeps it from exhausting the
    worker: no huge strings or numbers built with * or **, no range of a million items."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, undefined: type[Undefined] = Undefined) -> None:
        super().__init__(autoescape=False, undefined=undefined)
        self.globals["range"] = self._range

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and _number(right) and abs(right) > 64:
            raise SecurityError("exponents above 64 are not allowed in a template")
        if (operator == "*" and _too_long(left, right)) or _too_long(right, left):
            raise SecurityError(f"a template may not build more than {MAX_TEMPLATE_TEXT} items")
        return super().call_binop(context, operator, left, right)

    @staticmethod
    def _range(*bounds: int) -> range:
        counted = range(*bounds)
        if len(counted) > MAX_TEMPLATE_RANGE:
            raise SecurityError(f"a template's range may count {MAX_TEMPLATE_RANGE} items at most")
        return counted


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _too_long(sequence: object, times: Any) -> bool:
    return (
        isinstance(sequence, str | list | tuple)
        and _number(times)
        and (len(sequence) * times > MAX_TEMPLATE_TEXT)
    )


JINJA = BoundedSandbox()
TRIAL = BoundedSandbox(undefined=ChainableUndefined)


@lru_cache(maxsize=128)
def compiled(text: str) -> Template:
    """A template's text compiled once, not once per recipient."""
    return JINJA.from_string(text)


class JinjaTemplates:
    """The service layer's TemplateRenderer."""

    def check(self, text: str) -> str | None:
        try:
            trial = TRIAL.from_string(text)
        except TemplateSyntaxError as error:
            return f"is not a valid template: {error.message}"
        try:
            trial.render(SAMPLE)
        except SecurityError as error:
            return f"cannot be filled in: {error}"
        except RENDER_ERRORS:
            pass  # depends on values known only when it is sent; a failure then stops that mailing
        return None

    def render(self, text: str, context: Mapping[str, object]) -> str:
        try:
            return compiled(text).render(context)
        except RENDER_ERRORS as error:
            raise TemplateFailed(str(error)) from error
