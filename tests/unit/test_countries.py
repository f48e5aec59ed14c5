"""ISO 3166-1 country codes and the EU member states."""

from __future__ import annotations

import pytest

from omskit.countries import COUNTRY_CODES, EU_MEMBER_STATES, is_country_code


def test_there_are_249_assigned_country_codes_all_two_upper_case_letters() -> None:
    assert len(COUNTRY_CODES) == 249
    for code in COUNTRY_CODES:
        assert len(code) == 2
        assert code.isalpha()
        assert code.isupper()


def test_the_eu_has_27_member_states_all_of_them_country_codes() -> None:
    assert len(EU_MEMBER_STATES) == 27
    assert EU_MEMBER_STATES <= COUNTRY_CODES


@pytest.mark.parametrize("code", ["NL", "DE", "BE", "GR", "IE"])
def test_eu_member_states_include_the_neighbours(code: str) -> None:
    assert code in EU_MEMBER_STATES


@pytest.mark.parametrize("code", ["GB", "CH", "NO", "US", "EL"])
def test_eu_member_states_exclude_non_members_and_the_vat_prefix_el(code: str) -> None:
    assert code not in EU_MEMBER_STATES


@pytest.mark.parametrize("code", ["NL", "GB", "US", "JP", "AX"])
def test_is_country_code_accepts_assigned_upper_case_codes(code: str) -> None:
    assert is_country_code(code)


@pytest.mark.parametrize("value", ["nl", "Nl", "NLD", "EL", "UK", "XX", "", " NL", None, 31])
def test_is_country_code_refuses_lower_case_unassigned_and_non_strings(value: object) -> None:
    assert not is_country_code(value)
