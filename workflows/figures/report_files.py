"""A signed monthly report as files: Excel (a register's layout) and PDF (A4, the notices'
fonts), both from the content that was signed, so that later changes do not alter them."""

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from cases.models import MonthlyReport
from cases.staff import name_of

from ..notices.pdf import to_pdf
from ..registers import workbook
from .monthly import REGISTER_LINES

BAND_NAMES = {"all": "一至九年级", "primary": "小学", "junior": "初中"}
RATES = {
    "dropout_lianji": "辍学率（两基口径）",
    "dropout_dictionary": "辍学率（词典口径）",
    "consolidation": "巩固率",
    "returned": "劝返复学率",
}


def lines(content: dict) -> list[tuple[str, str, str]]:
    """(section, item, value) for every number of the report, in reading order."""
    found = []
    with translation.override("zh-hans"):
        for key, label in REGISTER_LINES.items():
            found.append(("本月台账", str(label), str(content["registers"][key])))
    for band, figures in content["bands"].items():
        section = f"{BAND_NAMES[band]}（截至 {content['as_of']}）"
        found.append((section, "学年初在校生数", str(figures["enrolment"])))
        for kind, count in figures["moved"].items():
            found.append((section, kind, str(count)))
        for key, label in RATES.items():
            rate = figures[key]
            if rate is not None:
                shown = "—" if rate[2] is None else f"{rate[2]}%（{rate[0]} / {rate[1]}）"
                found.append((section, label, shown))
    return found


def title_of(report: MonthlyReport) -> str:
    return (
        f"{report.content['unit']} {report.content['month']} 控辍保学月报（第{report.version}版）"
    )


def xlsx(report: MonthlyReport) -> bytes:
    content, _rows = workbook.build(
        title_of(report), ["项目", "指标", "数值"], [list(line) for line in lines(report.content)]
    )
    return content


def pdf(report: MonthlyReport) -> bytes:
    html = render_to_string(
        "workflows/figures/monthly_report.html",
        {
            "report": report,
            "title": title_of(report),
            "lines": lines(report.content),
            "signer": name_of(report.signed_by),
        },
    )
    return to_pdf(html)


def filename(report: MonthlyReport, extension: str) -> str:
    return _("monthly-report-%(month)s-v%(version)s.%(ext)s") % {
        "month": report.content["month"],
        "version": report.version,
        "ext": extension,
    }
