def test_pages_default_to_chinese_even_for_an_english_browser(client, db):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-hans"' in response.content.decode()


def test_the_chosen_language_wins(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<html lang="en"' in response.content.decode()


def test_an_unknown_cookie_value_falls_back_to_chinese(client, db):
    client.cookies["django_language"] = "xx"
    assert '<html lang="zh-hans"' in client.get("/login/").content.decode()
