"""The .pyi stubs ship with the package and name every public attribute the package has."""
import ast
import pathlib

import percept


def stub_names(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_every_public_name_has_a_stub():
    pkg = pathlib.Path(percept.__file__).parent
    assert (pkg / "py.typed").exists()
    stubbed = stub_names(pkg / "__init__.pyi")
    public = {n for n in dir(percept) if not n.startswith("_")}
    modules = {n for n in public if type(getattr(percept, n)).__name__ == "module"}
    missing = public - stubbed - modules
    assert not missing, f"names without a stub in __init__.pyi: {sorted(missing)}"
    for m in modules:
        assert (pkg / f"{m}.pyi").exists() or (pkg / m / "__init__.pyi").exists(), f"no stub for percept.{m}"
