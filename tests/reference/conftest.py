"""The scripts here make reference data in their own environments (NEST's, Brian2's); the Brian2
scripts import brian2 at the top, so pytest's doctest collection must not import them."""

collect_ignore_glob = ["make_brian2_refs*.py"]
