import recommender


def test_all_is_pinned() -> None:
    assert recommender.__all__ == [
        "Bundle", "CustomerProfile", "EngineError", "Issue", "KeyPerson", "KnowledgeBase",
        "KnowledgeError", "ProfileError", "Recommendation", "Recommender", "RecommenderError", "Source",
        "load_knowledge", "load_profile", "parse_profile", "render_proposal",
    ]


def test_every_public_name_is_documented() -> None:
    for name in recommender.__all__:
        assert getattr(recommender, name).__doc__, name
