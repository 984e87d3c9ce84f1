"""Every string in the templates of viewflow and django-axes that our pages render translates
into Simplified Chinese: neither package ships a usable catalogue, so ours must hold them
(project/vendor_strings.py). The templates are the ones a walk through every page actually
renders, so a page that starts using another of their templates is covered by itself."""

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation.template import templatize

from cases.models import Role, Stage, Step

from ..builders import case_in_stage

VENDORS = ("viewflow", "axes")
# templatize turns {% translate "x" %} into gettext(u'x'); plural and context forms alike.
MESSAGE = re.compile(r"\b(?:gettext|pgettext|ngettext|npgettext)\(u'((?:[^'\\]|\\.)*)'")


def vendor_templates(response) -> set[Path]:
    paths = set()
    for template in response.templates:
        origin = getattr(template, "origin", None)
        name = getattr(origin, "name", "") or ""
        if "site-packages" in name and any(f"/{vendor}/" in name for vendor in VENDORS):
            paths.add(Path(name))
    return paths


def messages_of(path: Path) -> set[str]:
    source = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    return {message.replace("\\'", "'") for message in MESSAGE.findall(source)}


@pytest.fixture
def rendered(world, elsewhere) -> set[Path]:
    """The vendor templates rendered by every page each role can reach, and the pages for a
    refused, missing or locked-out visit."""
    cases = {stage: case_in_stage(world, stage) for stage in (Stage.REPORTED, Stage.HOME_VISIT)}
    names = [
        "work:mine:index",
        "work:reports:index",
        "work:township:index",
        "work:overdue:index",
        "work:schools:index",
        "work:all:index",
        "work:students:index",
        "work:inbox:index",
    ]
    templates = set()
    for role in Role:
        client = Client()
        client.force_login(world[role])
        urls = [reverse(name) for name in names]
        urls += [reverse("work:case_detail", args=[case.pk]) for case in cases.values()]
        urls.append(reverse("work:case_step", args=[cases[Stage.REPORTED].pk, Step.DISMISS]))
        urls.append("/no-such-page/")
        for url in urls:
            templates |= vendor_templates(client.get(url))
    anonymous = Client()
    templates |= vendor_templates(anonymous.get(reverse("login")))
    for attempt in range(5):
        response = anonymous.post(reverse("login"), {"username": "nobody", "password": attempt})
    templates |= vendor_templates(response)
    return templates


def test_the_pages_render_vendor_templates(rendered):
    # The check below means something only if the walk reaches viewflow's templates.
    assert any("viewflow" in str(path) for path in rendered)


def test_every_string_of_the_rendered_vendor_templates_is_translated(rendered):
    untranslated = set()
    with translation.override("zh-hans"):
        for path in rendered:
            for message in messages_of(path):
                if translation.gettext(message) == message:
                    untranslated.add(f"{path.name}: {message!r}")
    assert not untranslated, "add to project/vendor_strings.py and translate:\n" + "\n".join(
        sorted(untranslated)
    )
