"""Reading pages as a browser without JavaScript would: forms, their fields and buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Button:
    name: str | None
    value: str
    text: str = ""


@dataclass
class Form:
    """A form: where it posts, its hidden and other fields, and its buttons."""

    id: str | None
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    checkboxes: list[tuple[str, str, bool, str]] = field(default_factory=list)
    textareas: dict[str, str] = field(default_factory=dict)
    buttons: list[Button] = field(default_factory=list)

    def button(self, text: str) -> Button:
        """The button whose words are `text` (emoji aside), else the first containing it."""
        for b in self.buttons:
            words = " ".join("".join(c if c.isalnum() or c == "'" else " " for c in b.text).split())
            if words.casefold() == text.casefold():
                return b
        for b in self.buttons:
            if text.casefold() in b.text.casefold():
                return b
        raise AssertionError(f"no button {text!r} in {[b.text for b in self.buttons]}")

    def data(
        self, press: Button | None = None, **extra: str | list[str]
    ) -> dict[str, str | list[str]]:
        """What a browser would send when `press` is pressed (hidden fields included)."""
        out: dict[str, str | list[str]] = dict(self.fields)
        out.update(self.textareas)
        ticked = [value for name, value, checked, _ in self.checkboxes if checked]
        if ticked:
            out[self.checkboxes[0][0]] = ticked
        if press is not None and press.name:
            out[press.name] = press.value
        out.update(extra)
        return out


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._button: Button | None = None
        self._textarea: str | None = None
        self._label: list[str] | None = None
        self._pending_box: tuple[str, str, bool] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("id"), a.get("action", ""), a.get("method", "get"))
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind == "checkbox":
                self._pending_box = (a["name"], a.get("value", "on"), "checked" in a)
            elif kind != "submit" and "name" in a:
                self._form.fields[a["name"]] = a.get("value", "")
        elif tag == "button":
            self._button = Button(a.get("name"), a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form.textareas[a["name"]] = ""
        elif tag == "label":
            self._label = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "button" and self._button is not None and self._form is not None:
            self._button.text = " ".join(self._button.text.split())
            self._form.buttons.append(self._button)
            self._button = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "label" and self._label is not None:
            if self._pending_box is not None and self._form is not None:
                name, value, checked = self._pending_box
                label = " ".join("".join(self._label).split())
                self._form.checkboxes.append((name, value, checked, label))
            self._pending_box = None
            self._label = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._button is not None:
            self._button.text += data
        if self._textarea is not None and self._form is not None:
            self._form.textareas[self._textarea] += data
        if self._label is not None:
            self._label.append(data)


@dataclass
class Page:
    html: str
    forms: list[Form]
    text: str

    @classmethod
    def of(cls, html: str) -> Page:
        parser = _Parser()
        parser.feed(html)
        return cls(html, parser.forms, " ".join(" ".join(parser.text).split()))

    def form(self, form_id: str) -> Form:
        for f in self.forms:
            if f.id == form_id:
                return f
        raise AssertionError(f"no form #{form_id}; forms: {[f.id for f in self.forms]}")

    def form_to(self, action: str) -> Form:
        for f in self.forms:
            if f.action == action:
                return f
        actions = [f.action for f in self.forms]
        raise AssertionError(f"no form posting to {action}; forms: {actions}")

    def has_form(self, form_id: str) -> bool:
        return any(f.id == form_id for f in self.forms)
