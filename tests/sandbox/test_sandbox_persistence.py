"""SQLite state: survives a restart, and concurrent writers never lose an update."""

from __future__ import annotations

import threading

import pytest
from sandbox_helpers import create_request, get, make_client, put_request

from controller.sandbox import ControlError, Sandbox

THREADS, WRITES = 8, 10


def client_for(sb: Sandbox, key: str = "AKIAPERSIST"):
    return make_client(sb, key)


def test_a_restarted_sandbox_on_the_same_file_serves_the_same_state(tmp_path):
    db = tmp_path / "state.sqlite"
    with Sandbox(db) as first:
        client = client_for(first)
        arn = client.create_procurement_portal_preference(
            **create_request(ResourceTags=[{"Key": "k", "Value": "v"}])
        )["ProcurementPortalPreferenceArn"]
        client.send_procurement_portal_validation(ProcurementPortalPreferenceArn=arn)
        code = first.control.validation_code(arn)
        before = get(client, arn)
    with Sandbox(db) as second:
        client = client_for(second)
        assert get(client, arn) == before
        assert client.list_tags_for_resource(ResourceArn=arn)["ResourceTags"] == [
            {"Key": "k", "Value": "v"}
        ]
        client.verify_procurement_portal_validation(ProcurementPortalPreferenceArn=arn, Code=code)
        assert get(client, arn)["EinvoiceDeliveryPreferenceStatus"] == "VALIDATED"


def test_client_tokens_survive_a_restart(tmp_path):
    db = tmp_path / "state.sqlite"
    request = create_request(ClientToken="survives")
    with Sandbox(db) as first:
        arn = client_for(first).create_procurement_portal_preference(**request)
    with Sandbox(db) as second:
        again = client_for(second).create_procurement_portal_preference(**request)
    assert again["ProcurementPortalPreferenceArn"] == arn["ProcurementPortalPreferenceArn"]


def test_the_database_runs_in_wal_mode(tmp_path):
    import sqlite3

    db = tmp_path / "state.sqlite"
    with Sandbox(db):
        mode = sqlite3.connect(db).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def _in_threads(work) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def run(index: int) -> None:
        try:
            start.wait()
            work(index)
        except BaseException as exc:  # collected and asserted on by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_eight_threads_of_read_modify_write_puts_lose_no_update(tenant):
    request = create_request()
    arn = tenant.client.create_procurement_portal_preference(**request)[
        "ProcurementPortalPreferenceArn"
    ]

    def work(index: int) -> None:
        client = tenant.client_with(max_pool_connections=2)
        for n in range(WRITES):
            current = get(client, arn)
            contact = {"Name": f"writer {index} #{n} saw v{current['Version']}", "Email": "a@b.co"}
            client.put_procurement_portal_preference(
                **put_request(arn, request, Contacts=[contact])
            )

    assert _in_threads(work) == []
    assert get(tenant.client, arn)["Version"] == 1 + THREADS * WRITES


def test_eight_threads_tagging_concurrently_lose_no_tag(tenant):
    arn = tenant.client.create_procurement_portal_preference(**create_request())[
        "ProcurementPortalPreferenceArn"
    ]

    def work(index: int) -> None:
        client = tenant.client_with()
        for n in range(WRITES):
            client.tag_resource(
                ResourceArn=arn, ResourceTags=[{"Key": f"t{index}-{n}", "Value": "x"}]
            )

    assert _in_threads(work) == []
    tags = tenant.client.list_tags_for_resource(ResourceArn=arn)["ResourceTags"]
    assert len(tags) == THREADS * WRITES


def test_concurrent_creates_with_one_client_token_create_one_preference(tenant):
    request = create_request(ClientToken="race")
    arns: list[str] = []

    def work(index: int) -> None:
        client = tenant.client_with()
        arns.append(
            client.create_procurement_portal_preference(**request)["ProcurementPortalPreferenceArn"]
        )

    assert _in_threads(work) == []
    assert len(set(arns)) == 1 and len(arns) == THREADS
    listed = tenant.client.list_procurement_portal_preferences()["ProcurementPortalPreferences"]
    assert len(listed) == 1


def test_reset_forgets_every_preference_token_and_call_count(tmp_path):
    with Sandbox(tmp_path / "state.sqlite") as sb:
        client = client_for(sb)
        arn = client.create_procurement_portal_preference(**create_request(ClientToken="t1"))
        sb.control.reset()
        assert sb.control.call_counts() == {}
        assert client.list_procurement_portal_preferences()["ProcurementPortalPreferences"] == []
        again = client.create_procurement_portal_preference(**create_request(ClientToken="t1"))
        assert again["ProcurementPortalPreferenceArn"] != arn["ProcurementPortalPreferenceArn"]


def test_accounts_given_to_the_constructor_scope_the_callers(tmp_path):
    with Sandbox(tmp_path / "state.sqlite", accounts={"AKIAONE": "111111111111"}) as sb:
        arn = client_for(sb, "AKIAONE").create_procurement_portal_preference(**create_request())
        assert "::111111111111:" in arn["ProcurementPortalPreferenceArn"]
        assert sb.control.map_account("AKIATWO", "222222222222")["accounts"] == {
            "AKIAONE": "111111111111",
            "AKIATWO": "222222222222",
        }


def test_an_account_id_that_is_not_12_digits_is_refused(sandbox):
    with pytest.raises(ControlError) as info:
        sandbox.control.map_account("AKIABAD", "12345")
    assert info.value.status == 400 and "12 digits" in info.value.message
    with pytest.raises(ValueError, match="12 digits"):
        Sandbox("unused.sqlite", accounts={"AKIABAD": "abc"})
