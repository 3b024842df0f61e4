from genpro_desktop.core.publishing.hashtags import suggest_hashtags


def test_stopwords_are_never_suggested() -> None:
    tags = suggest_hashtags(["Something about their morning routine before breakfast"], limit=10)
    assert tags == ["#breakfast", "#morning", "#routine"]


def test_written_hashtags_come_first_and_the_limit_holds() -> None:
    tags = suggest_hashtags(["Yoga stretches #Wellness", "Evening meditation #calm"], limit=3)
    assert tags == ["#Wellness", "#calm", "#meditation"]


def test_no_text_gives_no_suggestions() -> None:
    assert suggest_hashtags(["", "a b c"], limit=5) == []
