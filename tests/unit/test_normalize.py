from pytest_llmrec.normalize import normalize_body, round_floats

JSON = "application/json"


def test_json_key_order_and_whitespace_do_not_matter():
    a = normalize_body(b'{"model": "m", "temperature": 0.2}', JSON)
    b = normalize_body(b'{"temperature":0.2,"model":"m"}', JSON)
    assert a == b


def test_float_noise_is_rounded_and_integral_floats_equal_ints():
    assert round_floats(0.1 + 0.2) == 0.3
    assert round_floats({"t": 1.0, "xs": [2.0000000000001]}) == {"t": 1, "xs": [2]}
    assert round_floats(0.7) != round_floats(0.2)


def test_multipart_boundary_does_not_matter():
    def form(boundary: str) -> tuple[bytes, str]:
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + b"\xff\x00\xfe"
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return body, f"multipart/form-data; boundary={boundary}"

    first, second = normalize_body(*form("abc123")), normalize_body(*form("zzz999"))
    assert first == second
    assert first[0]["content"] == "assistants"
    assert first[1]["content"]["size"] == 3


def test_form_urlencoded_order_does_not_matter():
    ct = "application/x-www-form-urlencoded"
    assert normalize_body(b"a=1&b=2", ct) == normalize_body(b"b=2&a=1", ct)


def test_text_and_binary_bodies():
    assert normalize_body(b"hello", "text/plain") == "hello"
    assert normalize_body(b"\xff\xfe", "application/octet-stream")["size"] == 2
    assert normalize_body(b"", JSON) is None


def test_a_one_line_ndjson_body_is_keyed_as_the_json_it_holds():
    ndjson = normalize_body(b'{"b": 1.0, "a": 2}', "application/x-ndjson")
    assert ndjson == normalize_body(b'{"a":2,"b":1}', JSON) == {"a": 2, "b": 1}
