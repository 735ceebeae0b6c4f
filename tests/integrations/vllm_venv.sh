#!/usr/bin/env bash
# A throwaway venv in which vLLM's tool-parser classes import on this CPU-only machine, for
# tests/integrations/test_vllm_plugin.py:
#   tests/integrations/vllm_venv.sh /tmp/vllm-venv
#   TOOLSCHOOL_VLLM_PYTHON=/tmp/vllm-venv/bin/python python -m pytest -q tests/integrations
# vLLM is installed with --no-deps (its dependencies pull a CUDA torch); the project venv's
# site-packages (torch 2.13 CPU, transformers, openai…) are added through a .pth file, and the few
# pure-Python or small compiled packages vLLM's parser modules import on top are installed into the
# throwaway venv only. The project venv is never written to.
set -euo pipefail
target=${1:?usage: vllm_venv.sh TARGET_DIR}
project_venv=$(cd "$(dirname "$0")/../.." && pwd)/.venv
[[ -d $project_venv ]] || project_venv=${TOOLSCHOOL_VENV:?set TOOLSCHOOL_VENV to the project venv}
base_python=$("$project_venv/bin/python" -c 'import sys; print(sys._base_executable)')
"$base_python" -m venv "$target"
site=$("$target/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
"$project_venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$site/toolschool-project.pth"
"$target/bin/python" -m pip install -q --no-deps \
  vllm==0.34.0 xgrammar==0.2.9 apache-tvm-ffi==0.1.15.post2 pyzmq==27.3.0 aiohttp==3.14.5 \
  aiohappyeyeballs==2.7.1 aiosignal==1.4.0 frozenlist==1.8.0 multidict==7.2.1 propcache==0.5.4 \
  yarl==1.25.1 pybase64==1.5.1 cachetools==8.0.3 prometheus_client==0.26.0 openai-harmony==0.0.8 \
  cbor2==6.3.0 msgspec==0.23.0 cloudpickle==3.1.3 uvloop==0.23.0 py-cpuinfo==9.0.0 \
  partial-json-parser==0.2.1.1.post7
"$target/bin/python" -c 'import vllm.tool_parsers, vllm.parser; print("vLLM tool parsers import")'
