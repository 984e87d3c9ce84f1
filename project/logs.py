"""A log filter for what strangers type into addresses: a long run of digits (an identity or
phone number in a URL someone tried) becomes <number> before any handler sees it."""

import logging
import re

DIGITS = re.compile(r"\d{7,}")


class NoNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = DIGITS.sub("<number>", message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        return True
