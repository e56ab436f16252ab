from tests.rotation.world import rot  # noqa: F401  (the fixture)
