"""Human output shortens certificate subjects to their CN; JSON keeps them whole."""

from host_cli.render import short_subject


def test_short_subject():
    assert short_subject("DSC C=VN, O=Test, CN=DS VN 1") == "DSC CN=DS VN 1"
    assert short_subject("CSCA C=DE, O=bund, OU=bsi, CN=csca-germany") == "CSCA CN=csca-germany"
    assert short_subject("DSC C=VN, O=no common name") == "DSC C=VN, O=no common name"
    assert short_subject("DG2") == "DG2" and short_subject("SOD") == "SOD"
