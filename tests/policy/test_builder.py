"""The form-based rule builder: builder ⇄ AST ⇄ text round trips (on random rules, and through
the rendered page: the text is posted, the builder HTML that comes back is posted as a form,
and the text that comes back is the same), the live count equals the ORM's, row errors and
text errors with line and column, and the builder's actions."""

from __future__ import annotations

import random
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from yiwang.policy import builder, rules, samples
from yiwang.policy.orm import orm_match

PREVIEW = "/policy/rules/preview/"


# --- an HTML form reader (what a browser would submit) --------------------------------------------


class FormFields(HTMLParser):
    """The successful controls of an HTML fragment: inputs (checkboxes only when checked),
    selects (the selected option, else the first) and textareas, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button", "file"):
                return
            self.fields.append((a["name"], a.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            chosen = [v for v, s in self._options if s] or [v for v, _s in self._options[:1]]
            if chosen:
                self.fields.append((self._select, chosen[0]))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text))
            self._textarea = None


def form_fields(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    return dict(parser.fields)


def _between(html: str, start: str, end: str) -> str:
    i = html.index(start)
    return html[i : html.index(end, i)]


def builder_html(html: str) -> str:
    start = html.index('id="rule-builder"')
    return html[start:]


def posted_text(html: str) -> str:
    import html as html_lib

    fragment = _between(html, "<textarea", "</textarea>")
    return html_lib.unescape(fragment.split(">", 1)[1]).strip("\n")


def count_of(html: str) -> int:
    fragment = _between(html, 'data-testid="rule-count"', "</span>")
    return int(fragment.split('data-count="')[1].split('"')[0])


# --- unit round trips -----------------------------------------------------------------------------


def _has_double_not(tree: dict) -> bool:
    return any(n["op"] == "not" and n["arg"]["op"] == "not" for n in rules.walk(tree))


@pytest.mark.parametrize("seed", range(300))
def test_builder_and_ast_round_trip_on_random_rules(seed):
    tree = rules.validate(samples.random_rule(random.Random(seed), max_atoms=10, depth=3))
    if _has_double_not(tree):
        pytest.skip("double negation cancels in the builder")
    root = builder.from_tree(tree)
    back, ok = builder.to_tree(root)
    assert ok, builder.errors_of(root)
    assert back == tree, rules.to_text(tree)


def test_double_negation_cancels():
    tree = rules.parse("not not employees > 5")
    back, ok = builder.to_tree(builder.from_tree(tree))
    assert ok and rules.to_text(back) == "employees > 5"


def test_not_in_reads_none_of_and_negated_groups_stay_groups():
    root = builder.from_tree(
        rules.parse('scale not in ("large") and not (employees > 5 or revenue < 3)')
    )
    first, second = root.children
    assert first.operator == "not_in" and not first.negate
    assert second.is_group and second.negate and second.conj == "or"


# --- through the page -----------------------------------------------------------------------------


RULES = [
    'holds "high_tech" and ((revenue <= 5000 and ratio(rd_spend, revenue) >= 0.05) or '
    "(revenue > 5000 and revenue <= 20000 and ratio(rd_spend, revenue) >= 0.04) or "
    "(revenue > 20000 and ratio(rd_spend, revenue) >= 0.03))",
    'industry ^= ("C39", "I65") and employees <= 500 and founded_on within 3 years',
    'district in ("香洲区", "金湾区") and scale not in ("large") and not credit_rating = "D"',
    'tags has ("外贸", "老字号") or holds "tech_sme" on 2026-06-30',
    "registered_capital between 100 and 5000.5 and founded_on over 18 months",
    "not (employees < 10 or revenue < 100) and founded_on >= 2015-01-01",
    'street = "拱北街道"',
]


@pytest.fixture
def officer_client(client, pol, published_doc):
    client.force_login(pol.officer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.document = published_doc
    return client


def _preview(client, data: dict) -> str:
    response = client.post(PREVIEW, {"document": client.document.pk, **data})
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


@pytest.mark.parametrize("text", RULES)
def test_text_to_builder_to_text_through_the_page(officer_client, pol, text):
    canonical = rules.to_text(rules.parse(text))
    html = _preview(officer_client, {"rule_mode": "text", "rule_text": text})
    assert 'id="rule-builder" hx-swap-oob="innerHTML"' in html
    fields = form_fields(builder_html(html))
    assert any(k.startswith("b-r-") for k in fields)
    # the officer now changes nothing and touches the builder: the text comes back the same
    html = _preview(officer_client, {**fields, "rule_mode": "builder", "rule_text": ""})
    assert posted_text(html) == canonical
    # and the live count is the ORM's answer to the same rule
    tree = rules.parse(text)
    expected = orm_match(tree, city_id=pol.city.pk, today=timezone.localdate())
    assert count_of(html) == len(expected)


def test_the_live_count_follows_the_rule(officer_client, pol):
    today = timezone.localdate()
    counts = []
    for text in ("employees >= 0", "employees >= 1000", "employees >= 1000 and revenue >= 5000"):
        html = _preview(officer_client, {"rule_mode": "text", "rule_text": text})
        counts.append(count_of(html))
        assert counts[-1] == len(orm_match(rules.parse(text), city_id=pol.city.pk, today=today))
    assert counts[0] > counts[1] > counts[2] >= 0


def test_a_text_error_shows_line_column_and_a_caret(officer_client):
    html = _preview(
        officer_client, {"rule_mode": "text", "rule_text": "employees >= 10 and\nrevenue >> 5"}
    )
    assert 'data-testid="rule-error"' in html
    assert "Line 2, column 10: expected a value" in html
    caret = _between(html, 'data-testid="rule-error-caret">', "</pre>")
    assert "revenue &gt;&gt; 5" in caret and "\n" + " " * 9 + "^" in caret
    # the builder is left alone
    assert 'id="rule-builder" hx-swap-oob' not in html


def test_a_bad_value_in_a_row_is_shown_on_that_row(officer_client):
    data = {
        "rule_mode": "builder",
        "b-r-type": "group",
        "b-r-conj": "and",
        "b-r-0-type": "cond",
        "b-r-0-field": "employees",
        "b-r-0-operator": "<=",
        "b-r-0-value": "五百",
        "b-r-1-type": "cond",
        "b-r-1-field": "industry",
        "b-r-1-operator": "prefix",
        "b-r-1-value": "C39",
    }
    html = _preview(officer_client, data)
    slot = _between(html, 'id="err-r-0" hx-swap-oob="innerHTML">', "</div>")
    assert "五百" in slot
    assert 'id="err-r-1" hx-swap-oob="innerHTML"></div>' in html
    assert 'data-testid="rule-count"' not in html
    assert 'id="rule-text"' not in html  # the text keeps what it had


def test_a_contradiction_is_warned_and_counts_zero(officer_client):
    html = _preview(
        officer_client, {"rule_mode": "text", "rule_text": "employees < 10 and employees > 20"}
    )
    assert count_of(html) == 0
    assert 'data-testid="rule-warning"' in html and "employees" in html


def test_exempt_items_are_warned_about_tags(officer_client):
    html = _preview(
        officer_client,
        {"rule_mode": "text", "rule_text": 'tags has "外贸"', "exempt_application": "on"},
    )
    assert 'data-testid="rule-warning"' in html


def test_builder_actions_add_change_and_remove(officer_client):
    html = _preview(officer_client, {"rule_mode": "builder", "builder_action": "add:r"})
    fields = form_fields(builder_html(html))
    assert fields["b-r-0-type"] == "cond" and fields["b-r-0-field"] == ""
    fields.update({"b-r-0-field": "founded_on", "rule_mode": "builder", "builder_refresh": "1"})
    html = _preview(officer_client, fields)
    fields = form_fields(builder_html(html))
    assert fields["b-r-0-operator"] == "within"  # a date's first operator
    fields.update({"b-r-0-value": "3", "b-r-0-unit": "years", "rule_mode": "builder"})
    html = _preview(officer_client, {**fields, "builder_action": "group:r"})
    assert posted_text(html) == "founded_on within 3 years"
    fields = form_fields(builder_html(html))
    assert fields["b-r-1-type"] == "group" and fields["b-r-1-conj"] == "or"
    fields.update({"b-r-1-0-field": "holds", "b-r-1-0-kind": "high_tech"})
    html = _preview(officer_client, {**fields, "rule_mode": "builder", "builder_refresh": "1"})
    assert posted_text(html) == 'founded_on within 3 years and holds "high_tech"'
    html = _preview(
        officer_client, {**fields, "rule_mode": "builder", "builder_action": "remove:r-0"}
    )
    assert posted_text(html) == 'holds "high_tech"'


def test_the_preview_is_for_policy_officers(client, pol, published_doc):
    assert client.post(PREVIEW, {}).status_code == 302  # sign in
    client.force_login(pol.handler)
    assert (
        client.post(PREVIEW, {"rule_mode": "text", "rule_text": "employees > 1"}).status_code == 403
    )
    client.force_login(pol.ent_user)
    assert (
        client.post(PREVIEW, {"rule_mode": "text", "rule_text": "employees > 1"}).status_code == 403
    )
    client.force_login(pol.other_officer)  # another department's document: 404
    response = client.post(
        PREVIEW, {"document": published_doc.pk, "rule_mode": "text", "rule_text": "employees > 1"}
    )
    assert response.status_code == 404


def test_an_unfinished_row_is_skipped_by_the_preview_but_refused_on_save(officer_client):
    data = {
        "b-r-type": "group",
        "b-r-conj": "and",
        "b-r-0-type": "cond",
        "b-r-0-field": "employees",
        "b-r-0-operator": ">=",
        "b-r-0-value": "100",
        "b-r-1-type": "cond",
        "b-r-1-field": "revenue",
        "b-r-1-operator": ">=",
        "b-r-1-value": "",
    }
    html = _preview(officer_client, {**data, "rule_mode": "builder"})
    assert posted_text(html) == "employees >= 100"
    assert 'data-testid="rule-count"' in html
    slot = _between(html, 'id="err-r-1" hx-swap-oob="innerHTML">', "</div>")
    assert "Enter a value." in slot and "text-danger" not in slot
    response = officer_client.post(
        f"/policy/documents/{officer_client.document.pk}/items/new/",
        {
            **data,
            "title": "测试事项",
            "kind": "subsidy",
            "benefit": "奖励。",
            "rule_source": "builder",
            "action": "save",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="row-error-text">Enter a value.' in page
