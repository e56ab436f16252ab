from qiangshi.core import crypto


def test_encryption_round_trips_and_is_not_plain():
    token = crypto.encrypt("35020319850301123X")
    assert "35020319850301123X" not in token
    assert crypto.decrypt(token) == "35020319850301123X"


def test_same_value_encrypts_differently_but_hashes_the_same():
    assert crypto.encrypt("x1") != crypto.encrypt("x1")
    assert crypto.lookup_hash("x1") == crypto.lookup_hash("x1")
    assert crypto.lookup_hash("x1") != crypto.lookup_hash("x2")


def test_hash_depends_on_the_key(settings):
    before = crypto.lookup_hash("35020319850301123X")
    settings.QIANGSHI_ENCRYPTION_KEY = "another-key"
    assert crypto.lookup_hash("35020319850301123X") != before


def test_encrypt_many_round_trips_with_distinct_nonces():
    from qiangshi.core import crypto

    values = ["350203198503011234", "", "13800001234", "350203198503011234"]
    sealed = crypto.encrypt_many(values)
    assert [crypto.decrypt(t) for t in sealed] == values
    assert sealed[1] == "" and sealed[0] != sealed[3]


def test_lookup_hash_is_hmac_sha256_of_the_derived_key(settings):
    import hashlib
    import hmac

    mac = crypto._keys(settings.QIANGSHI_ENCRYPTION_KEY)[1]
    for value in ["350203198503011234", "35020319850301123X", "陈静", "a" * 200]:
        expected = hmac.new(mac, value.encode(), hashlib.sha256).hexdigest()
        assert crypto.lookup_hash(value) == expected
    assert crypto.lookup_hash("") == ""
