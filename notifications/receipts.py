"""SMS delivery reports (短信回执): what became of the text messages the vendors took.

A sent SMS row keeps the vendor's name and its id of the message, and waits (`Receipt.WAITING`).
Every few minutes `pull_receipts()` asks each vendor about the rows still waiting from the last
RECEIPT_DAYS days, and records what its reports say: delivered or failed, the carrier's code,
when, and the number as the vendor reported it, masked. A vendor that cannot answer now is asked
again on the next run. A failed report changes nothing else: the inbox copy is always there.
"""

import datetime
import logging
from collections import Counter, defaultdict

from django.utils import timezone
from django.utils.module_loading import import_string

from .channels.sms import Report, Waiting
from .delivery import safe_error
from .models import Channel, Message, Receipt

logger = logging.getLogger(__name__)

# Carriers report within 72 hours; a row still waiting after that is no longer asked about.
RECEIPT_DAYS = 3
BATCH = 200  # rows asked about per vendor and run, oldest first
VENDORS = {
    "aliyun": "notifications.channels.aliyun.AliyunSmsProvider",
    "tencent": "notifications.channels.tencent.TencentSmsProvider",
}


def pull_receipts() -> dict[str, int]:
    """Ask each vendor about its waiting rows; how many rows each outcome now has."""
    since = timezone.now() - datetime.timedelta(days=RECEIPT_DAYS)
    waiting = Message.objects.filter(
        channel=Channel.SMS, receipt=Receipt.WAITING, sent_at__gte=since
    )
    counts: Counter[str] = Counter()
    for vendor in waiting.values_list("sms_vendor", flat=True).distinct().order_by():
        if vendor not in VENDORS:
            continue
        rows = list(
            waiting.filter(sms_vendor=vendor)
            .select_related("recipient")
            .order_by("sent_at", "pk")[:BATCH]
        )
        asked = [Waiting(row.vendor_message_id, row.sent_at, row.recipient) for row in rows]
        try:
            reports = import_string(VENDORS[vendor])().receipts(asked)
        except Exception as error:  # the vendor's trouble: the next run asks again
            logger.warning("SMS reports from %s not read: %s", vendor, safe_error(error))
            continue
        counts.update(record(vendor, reports))
    return dict(counts)


def record(vendor: str, reports: list[Report]) -> Counter[str]:
    """Write each final report on the waiting row the vendor's id names (a report is final
    once: a row already delivered or failed is left as it is)."""
    counts: Counter[str] = Counter()
    final = defaultdict(list)
    for report in reports:
        if report.receipt != Receipt.WAITING:
            final[report.vendor_id].append(report)
    rows = Message.objects.filter(
        channel=Channel.SMS,
        sms_vendor=vendor,
        vendor_message_id__in=list(final),
        receipt=Receipt.WAITING,
    )
    for row in rows:
        report = final[row.vendor_message_id][-1]
        row.receipt, row.receipt_code = report.receipt, report.code
        row.receipt_at, row.receipt_phone = report.at, report.phone
        row.save(update_fields=["receipt", "receipt_code", "receipt_at", "receipt_phone"])
        counts[report.receipt] += 1
    return counts
