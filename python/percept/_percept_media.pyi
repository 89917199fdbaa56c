# percept._percept_media: the video, vision and audio-device bindings (see module_media.cpp). It re-exports
# every name of percept._percept; the classes and functions are described in _percept.pyi.
from ._percept import *  # noqa: F401,F403
