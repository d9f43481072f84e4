#!/usr/bin/python3
# Runs tini's own test driver (test/run_inner_tests.py of tini 0.19.0) against a binary
# installed as BUILD_DIR/tini, case by case: the driver stops at its first failed assert,
# so its asserts are rewritten (in memory, nothing on disk changes) to record the failure
# and carry on. A case is one "Running ..." section of the driver, the exit-code test split
# per code and the signal configuration test per signal. Prints one JSON object:
# {"cases": {"name": "pass" | "fail: message"}}.
import ast
import json
import os
import re
import signal
import sys

src = os.environ["SOURCE_DIR"]
build = os.environ["BUILD_DIR"]
driver = os.path.join(src, "test", "run_inner_tests.py")

cases = {}
current = {"name": None}
names = {os.path.join(build, "tini"): "tini", os.path.join(src, "test", "subreaper-proxy.py"): "subreaper-proxy.py",
         os.path.join(build, "sigconf-test"): "sigconf-test"}


def normalise(text):
    for path, short in names.items():
        text = text.replace(path, short)
    return text


def heading(*args, **kwargs):
    text = normalise(" ".join(str(a) for a in args))
    if re.match(r"^[Rr]unning ", text):
        current["name"] = text
        cases.setdefault(text, "pass")
    elif current["name"] is None:
        print(text, file=sys.stderr)


def case_key(frame_locals):
    name = current["name"] or "start"
    if name.startswith("Running exit code test") and "code" in frame_locals:
        return "exit code test: code %d" % frame_locals["code"]
    if name.startswith("Running signal configuration test") and "signum" in frame_locals:
        signame = signal.Signals(frame_locals["signum"]).name
        return "signal configuration test: %s in %s" % (signame, frame_locals["signal_set_name"])
    return name


def check(ok, message):
    key = case_key(sys._getframe(1).f_locals)
    if key != current["name"]:
        cases.pop(current["name"], None)
    if ok:
        cases.setdefault(key, "pass")
        return
    try:
        text = str(message())
    except Exception as e:  # the message itself may not format
        text = repr(e)
    cases[key] = "fail: " + normalise(text)[:500]


class Asserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        msg = node.msg if node.msg is not None else ast.Constant(value=ast.unparse(node.test))
        call = ast.Call(func=ast.Name(id="__check", ctx=ast.Load()),
                        args=[node.test, ast.Lambda(args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]), body=msg)],
                        keywords=[])
        return ast.copy_location(ast.Expr(value=call), node)


tree = ast.fix_missing_locations(Asserts().visit(ast.parse(open(driver).read(), driver)))
sys.path.insert(0, os.path.dirname(driver))
module = {"__name__": "tini_inner_tests", "__file__": driver, "__check": check, "print": heading}
exec(compile(tree, driver, "exec"), module)
try:
    module["main"]()
except Exception as e:
    cases[current["name"] or "start"] = "fail: driver stopped: " + normalise(repr(e))[:500]
print(json.dumps({"cases": cases}))
