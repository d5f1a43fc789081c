"""Fixtures of the portal tests: public accounts, an English-speaking client, Playwright."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def valid_id_number(first17: str = "44040219900101123") -> str:
    from yiwang.core.validators import id_number_check_char

    return first17 + id_number_check_char(first17)


def valid_uscc(first17: str = "91440400MA4UJGQM8") -> str:
    from yiwang.core.validators import uscc_check_char

    return first17 + uscc_check_char(first17)


@pytest.fixture
def en_client(client):
    """A test client whose browser asks for English, so assertions can use source strings."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def citizen(db):
    from yiwang.core.services.accounts import citizen_register

    return citizen_register(
        username="citizen1",
        password=PASSWORD,
        real_name="张三",
        id_number=valid_id_number(),
        mobile="13812345678",
    )


@pytest.fixture
def enterprise_user(db):
    from yiwang.core.choices import EnterpriseMemberRole
    from yiwang.core.services.accounts import enterprise_account_create, enterprise_user_register

    account = enterprise_account_create(
        actor=None, uscc=valid_uscc(), name="珠海市横琴示范科技有限公司"
    )
    return enterprise_user_register(
        enterprise=account,
        username="ent1",
        password=PASSWORD,
        display_name="李四",
        mobile="13912345678",
        role=EnterpriseMemberRole.ADMIN,
    )


@pytest.fixture
def inbox_message():
    """``inbox_message(user, subject, link="")`` puts a message into ``user``'s inbox."""
    from yiwang.notify import facade as notify

    notify.template_ensure("portal.test", "{{ subject }}", "{{ body }}", name="portal test")
    counter = {"n": 0}

    def make(user, subject: str, body: str = "", link: str = "") -> None:
        counter["n"] += 1
        notify.send(
            template_code="portal.test",
            recipients=[user],
            channels=[notify.Channel.INBOX],
            context={"subject": subject, "body": body or subject},
            link=link,
            dedupe_key=f"portal-test:{counter['n']}",
        )

    return make


# --- Playwright (pytest-playwright) with Debian's Chromium; never a downloaded browser -------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1366, "height": 900},
    }
