"""Issue 10 defect 2: the chip cannot impose weak PACE / CA domain parameters.

EF.CardAccess is unsigned: on the old main a fake chip offering a 20-bit
explicit curve got a PACE run whose transcript gives the CAN away offline.
Default policy: ICAO 9303-11 Table 12 only (or explicit parameters equal to one
of them); explicit ones with the option, and then only strong ones.
"""

import pytest

from cccd_chip.access.pace.driver import select_info
from cccd_chip.crypto import domain_params as dp
from cccd_chip.emulator import attack_domains as ad
from cccd_chip.errors import InvalidPublicKeyError, UnsupportedError
from cccd_chip.lds import security_infos as si

WEAK_REASON = {"small-curve": "EC_DOMAIN_WEAK", "anomalous": "EC_DOMAIN_WEAK", "supersingular": "EC_DOMAIN_WEAK",
               "p192-other-g": "EC_DOMAIN_WEAK", "bp192-other-g": "EC_DOMAIN_WEAK", "bp160": "EC_DOMAIN_WEAK",
               "dh-1024-other-g": "DH_DOMAIN_WEAK", "dh-q160": "DH_DOMAIN_WEAK"}


def _infos(name):
    infos = ad.pace_infos_with_domain(name, [si.PaceInfo(si.pace_oid("GM", "ECDH", "AES-128"), 2, 13)])
    return si.parse(si.build(infos))


@pytest.mark.parametrize("name", ad.NAMES)
def test_default_policy_takes_only_table_12(name):
    infos = _infos(name)
    if name in ad.STANDARD_SPELT_OUT:
        _info, d = select_info(infos.pace_infos, infos)
        assert dp.is_standardized(d)
        return
    with pytest.raises(UnsupportedError) as e:
        select_info(infos.pace_infos, infos)
    expected = "DH_DOMAIN_INVALID" if name in ad.UNSOUND else dp.R_NOT_STANDARDIZED
    assert e.value.reason == expected, str(e.value)


@pytest.mark.parametrize("name", ad.NAMES)
def test_explicit_option_takes_only_strong_domains(name):
    infos = _infos(name)
    if name in ad.STRONG + ad.STANDARD_SPELT_OUT:
        _info, d = select_info(infos.pace_infos, infos, dp.EXPLICIT_ALLOWED)
        assert d.order.bit_length() >= 224
        return
    with pytest.raises(UnsupportedError) as e:
        select_info(infos.pace_infos, infos, dp.EXPLICIT_ALLOWED)
    assert e.value.reason == WEAK_REASON.get(name, "DH_DOMAIN_INVALID"), str(e.value)


@pytest.mark.parametrize("name", sorted(WEAK_REASON))
def test_check_strength_names_the_weakness(name):
    with pytest.raises(InvalidPublicKeyError) as e:
        dp.check_strength(ad.domain(name))
    assert e.value.reason == WEAK_REASON[name]


@pytest.mark.parametrize("pid", dp.STANDARD_IDS)
def test_every_standardized_domain_is_admitted(pid):
    assert dp.admit(dp.standard(pid), dp.STRICT) is not None


@pytest.mark.parametrize("name", ["small-curve", "strong-p256-other-g", "dh-q160"])
def test_chip_authentication_key_on_an_explicit_domain(name):
    """DG14 / CardSecurity keys pass the same policy (SubjectPublicKeyInfo with explicit parameters)."""
    d = ad.domain(name)
    spki = si.build_subject_public_key(d, d.mul_gen(5), explicit=True)
    with pytest.raises(UnsupportedError) as e:
        si.parse_subject_public_key(spki)
    assert e.value.reason == dp.R_NOT_STANDARDIZED
    if name in ad.STRONG:
        dom, _pk = si.parse_subject_public_key(spki, policy=dp.EXPLICIT_ALLOWED)
        assert dom.order == d.order
    else:
        with pytest.raises(InvalidPublicKeyError):
            si.parse_subject_public_key(spki, policy=dp.EXPLICIT_ALLOWED)
