"""The C library through ctypes: loading it, the argument types of every function of
koopscope.h, and the status a failed call turns into an exception."""

import ctypes
import os
import re
from pathlib import Path

ABI_VERSION = 1

FLOAT16, BFLOAT16, FLOAT32, FLOAT64 = 1, 2, 3, 4


class KoopscopeError(Exception):
    """A call into koopscope failed; `code` is its koopscope_code, the message koopscope's."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code

    def __reduce__(self):
        # Picklable (Ray and multiprocessing send errors between processes).
        return type(self), (self.code, str(self))


class ArgumentError(KoopscopeError, ValueError):
    """A shape, a pointer, an option or a value handed to koopscope is wrong."""


class NumericalError(KoopscopeError, ArithmeticError):
    """A decomposition failed, or the data are not finite."""


class FileError(KoopscopeError, OSError):
    """A file could not be read, or is not the dump or dictionary it should be."""


class InternalError(KoopscopeError, RuntimeError):
    """A failure koopscope did not foresee."""


_ERRORS = {1: ArgumentError, 2: NumericalError, 3: FileError, 4: InternalError}


class Status(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int32), ("message", ctypes.c_char * 1024)]


class DSDOptions(ctypes.Structure):
    _fields_ = [("variant", ctypes.c_int32), ("population", ctypes.c_int32), ("delta", ctypes.c_double),
                ("padded_length", ctypes.c_int64), ("window", ctypes.c_int64)]


def _find_library():
    override = os.environ.get("KOOPSCOPE_LIBRARY")
    if override:
        return override
    return str(Path(__file__).resolve().parent / "_lib" / "libKoopScopeC.so")


_p = ctypes.c_void_p
_i32, _i64, _f64 = ctypes.c_int32, ctypes.c_int64, ctypes.c_double
_status = ctypes.POINTER(Status)
_charpp = ctypes.POINTER(ctypes.c_void_p)

_SIGNATURES = {
    "koopscope_abi_version": (_i32, []),
    "koopscope_version": (ctypes.c_char_p, []),
    "koopscope_dsd_options_init": (None, [ctypes.POINTER(DSDOptions)]),
    "koopscope_dsd_features": (_i32, [_p, _i64, _i64, _i64, _p, ctypes.POINTER(DSDOptions), _p, _p, _status]),
    "koopscope_dsd_states": (_i32, [_p, _i32, _i64, _i64, _i64, _p, _p, _p, _i64, ctypes.POINTER(DSDOptions),
                                    _p, _p, _p, _p, _status]),
    "koopscope_analyze_states": (_i32, [_p, _i32, _i64, _i64, _i64, _p, ctypes.c_char_p, _charpp, _status]),
    "koopscope_analyze_file": (_i32, [ctypes.c_char_p, ctypes.c_char_p, _charpp, _status]),
    "koopscope_merge": (_i32, [ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_char_p), _i64, _charpp,
                               _status]),
    "koopscope_compare": (_i32, [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, _charpp, _status]),
    "koopscope_default_dictionary": (_i32, [_i64, _i64, ctypes.c_uint64, _p, _status]),
    "koopscope_fit_dictionary": (_i32, [_p, _i32, _i64, _i64, _i64, _p, _i64, ctypes.c_char_p, _p, _p, _charpp,
                                        _status]),
    "koopscope_dump_open": (_i32, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p), _status]),
    "koopscope_dump_shape": (_i32, [_p, _p, _p, _p, _status]),
    "koopscope_dump_lengths": (_i32, [_p, _p, _status]),
    "koopscope_dump_read": (_i32, [_p, _i64, _i64, _p, _status]),
    "koopscope_dump_close": (None, [_p]),
    "koopscope_settings": (_i32, [ctypes.c_char_p, _charpp, _status]),
    "koopscope_inspect": (_i32, [ctypes.c_char_p, _i32, _charpp, _status]),
    "koopscope_free": (None, [_p]),
}


def _load_failure(path, message):
    """Why the library did not load, in words: a glibc older than the wheel's, or a library missing."""
    needed = re.search(r"GLIBC_(\d+\.\d+)", message)
    if needed:
        have = os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else "an unknown glibc"
        return (f"koopscope: {path} needs glibc {needed.group(1)} or newer and this machine has {have}: "
                f"install a koopscope wheel whose manylinux tag this glibc meets, or build from a checkout "
                f"(pip install ./python). The loader said: {message}")
    return f"koopscope: {path} cannot be loaded: {message}"


def _load():
    path = _find_library()
    if not os.path.exists(path):
        raise ImportError(f"koopscope: the C library is missing at {path}; reinstall with `pip install ./python` "
                          "from a koopscope checkout, or point KOOPSCOPE_LIBRARY at libKoopScopeC.so")
    try:
        library = ctypes.CDLL(path)
    except OSError as error:
        raise ImportError(_load_failure(path, str(error))) from error
    for name, (restype, argtypes) in _SIGNATURES.items():
        function = getattr(library, name)
        function.restype = restype
        function.argtypes = argtypes
    version = library.koopscope_abi_version()
    if version != ABI_VERSION:
        raise ImportError(f"koopscope: {path} has interface version {version}; this package needs {ABI_VERSION}")
    return library, path


lib, library_path = _load()


def check(code, status):
    """Raises the exception for a failed call's status."""
    if code != 0:
        raise _ERRORS.get(code, InternalError)(code, status.message.decode("utf-8", "replace"))


def take_string(pointer):
    """The text of a string the library allocated, which is then freed."""
    if not pointer:
        return None
    try:
        return ctypes.string_at(pointer).decode("utf-8")
    finally:
        lib.koopscope_free(pointer)
