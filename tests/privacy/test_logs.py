"""The suite's log scan (tests/conftest.py) catches a leak: prove it can fail."""

import logging

from .. import conftest


def test_the_log_scan_sees_a_number_that_reaches_a_log():
    record = logging.LogRecord(
        "probe", logging.INFO, __file__, 1, "%s", ("11010519491231002X",), None
    )
    assert conftest._LEAKS.search(conftest._LOG_KEEPER.format(record))
    assert conftest._LEAKS.search("call 13812345678 now")
    assert not conftest._LEAKS.search("case-33-1795480200-overdue-43 gAAAAABrCtRJu_13812345678x")


def test_a_number_typed_into_an_address_is_not_logged(client, caplog):
    with caplog.at_level("WARNING", logger="django.request"):
        client.get("/api/cases/13812345678/")
    assert caplog.records
    assert all("13812345678" not in record.getMessage() for record in caplog.records)
