"""Escape attempts against the language layer (run with every layer on).

Each entry is ``(id, class, body)``; the body becomes the body of
``def main(tools, *, secret_path, marker_dir, port, unix_path, victim_pid, canary_name)``.
Every attempt tries to turn what it reaches into a *side effect* the test can observe: read
the host's secret file or canary environment variable and hand it back (return value,
stdout, exception message, the ``exfil`` tool), write a marker file, connect to the test's
listener, kill the victim process, or call the undeclared host tool ``admin``. The tests
judge only those side effects, never ``Result.ok``.

Sources: RestrictedPython advisories (format-string attribute access, generator
``gi_frame``, ``string.Formatter``), smolagents local executor advisories (re-exported
modules through allow-listed imports, dunder walks, ``typing``/``dataclasses`` leaks),
simpleeval and Jinja sandbox escapes (``__subclasses__`` walks, ``__globals__``).
"""

from __future__ import annotations

READ = "open(secret_path).read()"

LANGUAGE_ATTACKS: list[tuple[str, str, str]] = [
    # --- host files and environment through builtins and imports
    ("open-builtin", "files", f"return {READ}"),
    ("builtins-dict", "files", "return __builtins__['open'](secret_path).read()"),
    ("dunder-import", "files", "return __import__('os').environ[canary_name]"),
    ("import-os-environ", "env", "import os\nreturn os.environ[canary_name]"),
    ("import-os-system", "process", "import os\nos.system('touch ' + marker_dir + '/x')"),
    ("from-os-import", "process", "from os import system\nsystem('touch ' + marker_dir + '/x')"),
    ("import-io", "files", "import io\nreturn io.open(secret_path).read()"),
    ("import-pathlib", "files", "import pathlib\nreturn pathlib.Path(secret_path).read_text()"),
    ("import-sys-modules", "files",
     "import sys\nreturn sys.modules['os'].environ[canary_name]"),
    ("import-importlib", "files",
     "import importlib\nreturn importlib.import_module('os').environ[canary_name]"),
    ("import-subprocess", "process",
     "import subprocess\nsubprocess.run(['touch', marker_dir + '/x'])"),
    ("import-pty", "process", "import pty\npty.spawn(['touch', marker_dir + '/x'])"),
    ("import-multiprocessing", "process",
     "import multiprocessing\nmultiprocessing.Process(target=print).start()"),
    ("import-ctypes", "process",
     "import ctypes\nctypes.CDLL(None).system(('touch ' + marker_dir + '/x').encode())"),
    ("import-socket", "network",
     "import socket\nsocket.create_connection(('127.0.0.1', port)).send(b'x')"),
    ("import-pickle-reduce", "process",
     "import pickle\nreturn pickle.loads(b\"cos\\nsystem\\n(S'id'\\ntR.\")"),
    ("import-marshal", "process", "import marshal\nreturn marshal.loads(b'')"),
    ("import-copyreg", "process", "import copyreg\nreturn copyreg.__newobj__"),
    ("import-gc", "introspection", "import gc\nreturn [str(o)[:50] for o in gc.get_objects()]"),
    ("import-inspect", "introspection",
     "import inspect\nreturn inspect.stack()[1].frame.f_globals['__builtins__']"),
    ("sys-getframe", "introspection",
     "import sys\nreturn sys._getframe(1).f_globals['__builtins__']"),
    ("gc-get-referrers", "introspection",
     "import gc\nreturn [str(r)[:80] for r in gc.get_referrers(tools)]"),
    ("import-builtins", "files", "import builtins\nreturn builtins.open(secret_path).read()"),
    ("relative-import", "files", "from . import os\nreturn os.environ[canary_name]"),
    ("dotted-import", "files", "import json.decoder\nreturn json.decoder.scanner"),
    ("import-from-submodule", "files",
     "from collections.abc import sys\nreturn sys.modules['os'].environ[canary_name]"),
    # --- re-exported modules through allow-listed facades (smolagents advisories)
    ("json-codecs", "facade", "import json\nreturn json.codecs.open(secret_path).read()"),
    ("typing-sys", "facade",
     "import typing\nreturn typing.sys.modules['os'].environ[canary_name]"),
    ("dataclasses-builtins", "facade",
     "import dataclasses\nreturn dataclasses.builtins.open(secret_path).read()"),
    ("dataclasses-inspect", "facade",
     "import dataclasses\nf = dataclasses.inspect.currentframe()\n"
     "return f.f_back.f_globals['__builtins__']['open'](secret_path).read()"),
    ("re-enum", "facade", "import re\nreturn re.enum.sys.modules['os'].environ[canary_name]"),
    ("re-internal", "facade", "import re\nreturn re._compiler.sys.modules['os'].environ"),
    ("statistics-sys", "facade",
     "import statistics\nreturn statistics.sys.modules['os'].environ[canary_name]"),
    ("datetime-sys", "facade",
     "import datetime\nreturn datetime.sys.modules['os'].environ[canary_name]"),
    ("collections-abc-sys", "facade",
     "import collections\nreturn collections.abc.sys.modules['os'].environ[canary_name]"),
    ("string-formatter", "format",
     "import string\nreturn string.Formatter().format('{0.__globals__}', main)"),
    ("typing-get-type-hints", "facade",
     "import typing\n"
     "def f(x: \"__import__('os').system('touch ' + marker_dir + '/x')\"): pass\n"
     "return typing.get_type_hints(f)"),
    ("typing-forwardref", "facade",
     "import typing\nreturn typing.ForwardRef(\"__import__('os').environ\")"
     "._evaluate(globals(), None, frozenset())"),
    ("dataclass-field-type-string", "facade",
     "import dataclasses\n"
     "return dataclasses.make_dataclass('X', [('a', \"__import__('os')\")])"),
    ("facade-getattr-private", "facade",
     "import json\nreturn getattr(json, '_facade_names')"),
    ("facade-vars", "facade", "import json\nreturn vars(json)"),
    # --- dunder walks, dynamic attribute names, unicode normalisation
    ("subclasses-walk", "introspection",
     "return [c.__name__ for c in ().__class__.__base__.__subclasses__()]"),
    ("getattr-dunder", "introspection",
     "b = getattr(getattr((), '__class__'), '__base__')\n"
     "return [c for c in getattr(b, '__subclasses__')()]"),
    ("getattr-concat", "introspection",
     "n = '__cla' + 'ss__'\nreturn getattr(getattr((), n), '__ba' + 'se__')"),
    ("unicode-name-attr", "unicode",
     "return getattr((), '\\uff3f\\uff3fclass\\uff3f\\uff3f')"),
    ("unicode-source-attr", "unicode", "return ().__\uff43\uff4c\uff41\uff53\uff53__"),
    ("unicode-source-name", "unicode",
     "return __\uff42\uff55\uff49\uff4c\uff54\uff49\uff4e\uff53__['open']"),
    ("unicode-source-open", "unicode",
     "return \uff4f\uff50\uff45\uff4e(secret_path).read()"),
    ("unicode-getattr-fullwidth", "unicode",
     "return getattr(main, '__\uff47\uff4c\uff4f\uff42\uff41\uff4c\uff53__')"),
    ("mathematical-bold-name", "unicode", "return \U0001d5fc\U0001d5fd\U0001d5f2\U0001d5fb"
     "(secret_path).read()"),
    ("function-globals", "introspection",
     "return main.__globals__['__builtins__']['open'](secret_path).read()"),
    ("getattr-function-globals", "introspection",
     "g = getattr(main, '__globals__')\nreturn g"),
    ("func-code", "introspection", "return getattr(main, '__code__').co_consts"),
    ("hasattr-probe", "introspection",
     "return hasattr(main, '__globals__') and getattr(main, '__globals__')"),
    ("globals-vars-dir", "introspection", "return [globals(), vars(), dir(), locals()]"),
    ("eval-exec", "introspection", "exec('import os')\nreturn eval('1')"),
    ("compile-builtin", "introspection", "return compile('import os', 'x', 'exec')"),
    ("breakpoint", "introspection", "breakpoint()"),
    ("type-three-args", "metaclass",
     "T = type('T', (), {'x': 1})\nreturn T.__subclasses__()"),
    ("metaclass-keyword", "metaclass",
     "class M(type):\n    pass\nclass X(metaclass=M):\n    pass\nreturn X"),
    ("mro-walk", "metaclass", "return type(()).mro()[-1]"),
    ("type-of-class", "metaclass",
     "M = type(type(1))\nX = M('X', (), {'__del__': lambda self: tools.exfil(data=1)})\n"
     "return str(X())"),
    ("subclass-type", "metaclass",
     "class M(type):\n    pass\nreturn M('X', (), {'__init_subclass__': print})"),
    ("lying-metaclass-eq-hash", "metaclass",
     "import string\nM = type(type(1))\n"
     "M2 = M('M2', (M,), {'__eq__': lambda a, b: True, "
     "'__hash__': lambda a: hash(string.Template)})\n"
     "class Y(M2('B', (), {})):\n    pass\nstring.Template.pattern = None"),
    ("str-subclass-attribute-name", "metaclass",
     "class S(str):\n    def __eq__(self, other):\n        return False\n"
     "return getattr(main, S('__globals__'))"),
    ("type-getattr-subclasses", "metaclass",
     "o = type(()).mro()[-1]\nreturn getattr(o, '__subclasses__')()"),
    ("descriptor-get", "descriptor",
     "class D:\n    def __get__(self, obj, owner):\n        return owner\nreturn D"),
    ("property-fget-globals", "descriptor",
     "p = property(lambda self: 1)\nreturn getattr(p.fget, '__globals__')"),
    ("classmethod-func", "descriptor",
     "c = classmethod(main)\nreturn getattr(c, '__func__').__globals__"),
    ("object-setattr-bypass", "descriptor",
     "import json\nsetattr(json, 'loads', print)\nreturn 1"),
    ("super-walk", "descriptor", "return super(type, type).__subclasses__(type)"),
    # --- C-level attribute access (smolagents / simpleeval advisories)
    ("map-getattr", "c-level", "return list(map(getattr, [()], ['__class__']))"),
    ("sorted-key-getattr", "c-level",
     "return sorted([main], key=lambda f: str(getattr(f, '__globals__')))"),
    ("operator-attrgetter", "c-level",
     "import operator\nreturn operator.attrgetter('__globals__')(main)"),
    ("functools-reduce-getattr", "c-level",
     "import functools\nreturn functools.reduce(getattr, ['__globals__'], main)"),
    ("json-object-hook-getattr", "c-level",
     "import json\nreturn json.loads('{\"a\": 1}', object_hook=lambda d: getattr(d, '__class__'))"),
    ("template-attribute", "format",
     "import string\nreturn string.Template('${__class__}').substitute({'__class__': main})"),
    ("system-exit", "process", "raise SystemExit(0)"),
    ("exit-builtin", "process", "exit(0)"),
    # --- str.format and friends (RestrictedPython advisories)
    ("format-attr", "format", "return '{0.__class__.__base__.__subclasses__}'.format(())"),
    ("format-globals", "format", "return '{0.__globals__}'.format(main)"),
    ("format-globals-item", "format",
     "return '{0.__globals__[__builtins__]}'.format(main)"),
    ("format-map", "format", "return '{x.__globals__}'.format_map({'x': main})"),
    ("format-unbound", "format", "return str.format('{0.__globals__}', main)"),
    ("format-getattr", "format", "f = getattr('{0.__globals__}', 'format')\nreturn f(main)"),
    ("format-gi-frame", "frames",
     "g = (i for i in [1])\nreturn '{0.gi_frame.f_back.f_globals}'.format(g)"),
    ("fstring-dunder", "format", "return f'{main.__globals__}'"),
    ("format-spec-nested", "format", "return '{0:{1.__class__}}'.format(1, ())"),
    # --- frames of generators, coroutines, tracebacks
    ("generator-gi-frame", "frames",
     "g = (i for i in [1])\nreturn g.gi_frame.f_back.f_globals['__builtins__']"),
    ("generator-getattr-gi-frame", "frames",
     "g = (i for i in [1])\nf = getattr(g, 'gi_frame')\nreturn getattr(f, 'f_back')"),
    ("generator-gi-code", "frames", "g = (i for i in [1])\nreturn getattr(g, 'gi_code')"),
    ("generator-yieldfrom", "frames",
     "def a():\n    yield 1\ndef b():\n    yield from a()\n"
     "x = b()\nnext(x)\nreturn getattr(x, 'gi_yieldfrom')"),
    ("coroutine-cr-frame", "frames",
     "async def c():\n    pass\nreturn c().cr_frame.f_back.f_globals"),
    ("async-generator-ag-frame", "frames",
     "async def c():\n    yield 1\nreturn getattr(c(), 'ag_frame')"),
    ("traceback-tb-frame", "frames",
     "try:\n    1 / 0\nexcept Exception as e:\n"
     "    return e.__traceback__.tb_frame.f_back.f_globals"),
    ("traceback-getattr", "frames",
     "try:\n    1 / 0\nexcept Exception as e:\n"
     "    return getattr(getattr(e, '__traceback__'), 'tb_frame')"),
    ("exception-with-traceback", "frames",
     "try:\n    1 / 0\nexcept Exception as e:\n    return e.with_traceback(None)"),
    ("exception-group", "frames",
     "r = None\ntry:\n    raise ExceptionGroup('x', [ValueError()])\nexcept* ValueError as e:\n"
     "    r = e.exceptions[0].__traceback__.tb_frame\nreturn r"),
    # --- the tools proxy: reaching host objects, undeclared tools
    ("tools-class", "tools", "return tools.__class__"),
    ("tools-private-attr", "tools", "return getattr(tools, '_worker').channel"),
    ("tool-fn-globals", "tools", "return getattr(tools.lookup, '__globals__')"),
    ("tool-fn-closure", "tools", "return tools.lookup.__closure__"),
    ("tool-fn-self", "tools", "return getattr(tools.lookup, '__self__')"),
    ("tool-fn-private", "tools", "return getattr(tools.lookup, '_worker')"),
    ("tool-undeclared-admin", "tools", "return tools.admin(action='grant')"),
    ("tool-undeclared-getattr", "tools", "return getattr(tools, 'admin')(action='grant')"),
    ("tool-dunder-kwargs", "tools", "return tools.lookup(**{'__class__': 1, 'key': 'x'})"),
    ("tool-positional", "tools", "return tools.lookup('x')"),
    ("tool-name-traversal", "tools", "return getattr(tools, '../admin')(action='grant')"),
    ("tool-deepcopy-proxy", "tools",
     "import dataclasses\n@dataclasses.dataclass\nclass H:\n    t: object\n"
     "return str(dataclasses.asdict(H(tools)))"),
    # --- writes and state poisoning (checked again by a later call in test_pool)
    ("write-facade", "poisoning", "import json\njson.loads = print\nreturn 1"),
    ("write-builtin-type", "poisoning", "str.upper = lambda s: 'x'\nreturn 1"),
    ("write-exception-class", "poisoning", "SkillError.args = 1\nreturn 1"),
    ("abc-register", "poisoning",
     "import collections\ncollections.abc.Mapping.register(list)\nreturn 1"),
    ("decimal-default-context", "poisoning",
     "import decimal\ndecimal.DefaultContext.prec = 2\nreturn 1"),
]
