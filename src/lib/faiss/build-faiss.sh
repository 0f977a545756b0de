#!/usr/bin/env bash
# Builds FAISS for WebAssembly: src/lib/faiss/dist/faiss.{js,wasm}.
#
#   npm run build:faiss            (or: bash src/lib/faiss/build-faiss.sh)
#
# 1. Fetches Debian's FAISS source package with `apt-get source`, through a
#    private apt configuration under build/apt (the system's sources are
#    never touched).
# 2. Applies the project's patches (patches/*.patch) to a fresh copy.
# 3. Compiles FAISS's CPU sources and native/*.cpp with Debian's emscripten
#    (em++ -O3 -msimd128) and links the ES module loader and the .wasm.
#
# Idempotent: downloads once, recompiles only what changed (objects are
# keyed by the compiler flags). Needs: emscripten, apt-get, patch.
# Environment: JOBS (default 2), FAISS_APT_MIRROR (default: the Debian mirror
# configured in /etc/apt, else http://deb.debian.org/debian).
set -euo pipefail

FAISS_DEB_VERSION=1.7.3-2 # bookworm; trixie's 1.11.0 is listed but not served here
FAISS_DIR=faiss-1.7.3

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BUILD="$HERE/build"
DIST="$HERE/dist"
JOBS="${JOBS:-2}"
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}" # Debian's emscripten needs it

log() { printf '[build-faiss] %s\n' "$*" >&2; }
need() { command -v "$1" >/dev/null || { log "missing $1 ($2)"; exit 1; }; }
need em++ 'apt-get install emscripten'
need apt-get 'a Debian system'
need patch 'apt-get install patch'

mkdir -p "$BUILD" "$DIST"

# --- 1. source, through a private apt configuration -------------------------
fetch_source() {
  local apt="$BUILD/apt" mirror="${FAISS_APT_MIRROR:-}"
  if [[ -z "$mirror" ]]; then
    mirror="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' |
      grep -v security | grep '/debian/*$' | head -n1 || true)"
    mirror="${mirror:-http://deb.debian.org/debian}"
  fi
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d" "$BUILD/dl"
  cat >"$apt/sources.list" <<EOF
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm main
EOF
  local opts=(
    -o "Dir::Etc::SourceList=$apt/sources.list"
    -o "Dir::Etc::SourceParts=$apt/sources.list.d"
    -o "Dir::State::Lists=$apt/lists"
    -o "Dir::Cache=$apt/cache"
    -o "APT::Sandbox::User=$(id -un)"
  )
  log "apt-get update (private sources: $mirror bookworm)"
  apt-get "${opts[@]}" -qq update
  rm -rf "$BUILD/dl" && mkdir -p "$BUILD/dl"
  if command -v dpkg-source >/dev/null; then
    (cd "$BUILD/dl" && apt-get "${opts[@]}" -qq source "faiss=$FAISS_DEB_VERSION")
  else # unpack by hand what dpkg-source would: orig tarball + Debian patches
    (cd "$BUILD/dl" && apt-get "${opts[@]}" -qq source --download-only "faiss=$FAISS_DEB_VERSION")
    mkdir -p "$BUILD/dl/$FAISS_DIR"
    tar -xzf "$BUILD/dl/faiss_${FAISS_DEB_VERSION%-*}.orig.tar.gz" -C "$BUILD/dl/$FAISS_DIR" --strip-components=1
    tar -xJf "$BUILD/dl/faiss_$FAISS_DEB_VERSION.debian.tar.xz" -C "$BUILD/dl/$FAISS_DIR"
    (cd "$BUILD/dl/$FAISS_DIR" && while read -r p; do
      [[ -z "$p" || "$p" == \#* ]] || patch -p1 -s <"debian/patches/$p"
    done <debian/patches/series)
  fi
  touch "$BUILD/dl/.complete"
}
[[ -f "$BUILD/dl/.complete" ]] || fetch_source
UPSTREAM="$BUILD/dl/$FAISS_DIR"

# --- 2. patched copy ---------------------------------------------------------
SRC="$BUILD/src"
PATCH_SUM="$(cat "$HERE"/patches/*.patch | sha256sum | cut -c1-16)"
if [[ "$(cat "$SRC/.patched" 2>/dev/null)" != "$PATCH_SUM" ]]; then
  log "applying patches/*.patch"
  rm -rf "$SRC" && mkdir -p "$SRC"
  cp -a "$UPSTREAM/faiss" "$UPSTREAM/LICENSE" "$SRC/"
  for p in "$HERE"/patches/*.patch; do
    (cd "$SRC" && patch -p1 -s --forward --fuzz=0 <"$p")
  done
  echo "$PATCH_SUM" >"$SRC/.patched"
fi

# --- 3. compile --------------------------------------------------------------
CXXFLAGS=(
  -O3 -msimd128 -msse3 -fwasm-exceptions -std=c++17 -DNDEBUG -DFINTEGER=int
  -I"$SRC" -I"$HERE/native/include"
  -ffile-prefix-map="$SRC"="$FAISS_DIR" -ffile-prefix-map="$HERE"=faiss-wasm
  -Wno-unused-command-line-argument -Wno-deprecated-declarations -Wno-unknown-pragmas
  -Wno-unused-function -Wno-format
)
# FAISS's own kernels are renamed away; native/simd-kernels.cpp provides these.
RENAMES=()
for f in fvec_inner_product fvec_L2sqr fvec_norm_L2sqr fvec_inner_products_ny fvec_L2sqr_ny; do
  RENAMES+=("-D$f=faiss_sse_$f")
done

FLAG_SUM="$( (em++ --version | head -n1; echo "${CXXFLAGS[*]} ${RENAMES[*]} $PATCH_SUM"; cat "$HERE"/native/include/*) |
  sha256sum | cut -c1-16)"
OBJ="$BUILD/obj-$FLAG_SUM"
find "$BUILD" -maxdepth 1 -name 'obj-*' ! -name "obj-$FLAG_SUM" -exec rm -rf {} +
mkdir -p "$OBJ"

mapfile -t FAISS_SOURCES < <(
  sed -n '/^set(FAISS_SRC/,/^)/p' "$SRC/faiss/CMakeLists.txt" | grep -E '^\s+\S+\.cpp' | awk '{print $1}' | sort -u
  echo invlists/OnDiskInvertedLists.cpp
)

export CXXFLAGS_STR="${CXXFLAGS[*]}"

JOBLIST="$BUILD/jobs.txt"
: >"$JOBLIST"
OBJECTS=()
for s in "${FAISS_SOURCES[@]}"; do
  o="$OBJ/faiss/${s%.cpp}.o"
  OBJECTS+=("$o")
  extra=""
  [[ "$s" == utils/distances_simd.cpp ]] && extra="${RENAMES[*]}"
  printf '%s\t%s\t%s\n' "$SRC/faiss/$s" "$o" "$extra" >>"$JOBLIST"
done
for s in "$HERE"/native/*.cpp; do
  o="$OBJ/native/$(basename "${s%.cpp}").o"
  OBJECTS+=("$o")
  printf '%s\t%s\t\n' "$s" "$o" >>"$JOBLIST"
done

log "compiling ${#OBJECTS[@]} files with $JOBS jobs"
# Headers are not tracked: FAISS's only change through the patches, whose
# checksum is part of the object directory's name (a patch change rebuilds all).
run_job() {
  local src obj extra
  IFS=$'\t' read -r src obj extra <<<"$1"
  read -r -a flags <<<"$CXXFLAGS_STR"
  read -r -a more <<<"$extra"
  if [[ ! -f "$obj" || "$src" -nt "$obj" ]]; then
    mkdir -p "$(dirname "$obj")"
    em++ "${flags[@]}" "${more[@]}" -c "$src" -o "$obj.tmp" && mv "$obj.tmp" "$obj"
  fi
}
export -f run_job
tr '\n' '\0' <"$JOBLIST" | xargs -0 -P "$JOBS" -I{} bash -c 'run_job "$1"' _ {}

# --- 4. link -----------------------------------------------------------------
EXPORTS=(
  malloc free fw_last_error fw_last_error_code fw_heap_used fw_flat_data fw_flat_new fw_ivf_flat_new fw_idmap_new fw_free
  fw_kind fw_sub_index fw_d fw_ntotal fw_is_trained fw_metric fw_nlist fw_nprobe
  fw_set_nprobe fw_train fw_add fw_add_with_ids fw_search fw_remove_ids fw_reset
  fw_idmap_ids fw_write_index fw_writer_data fw_writer_size fw_writer_free fw_reader_new
  fw_reader_data fw_read_index fw_reader_free fw_bench_stream_sum
)
EXPORTED_FUNCTIONS="$(printf '_%s,' "${EXPORTS[@]}")"
LINK_FLAGS=(
  -O3 -msimd128 -fwasm-exceptions --no-entry
  -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createFaissModule
  -sENVIRONMENT=web,worker -sFILESYSTEM=0 -sDYNAMIC_EXECUTION=0
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=16MB -sMAXIMUM_MEMORY=4GB
  -sEXPORTED_FUNCTIONS="${EXPORTED_FUNCTIONS%,}"
)
LINK_SUM="$(echo "$OBJ ${LINK_FLAGS[*]}" | sha256sum | cut -c1-16)"
relink=0
[[ -f "$BUILD/faiss.wasm" && "$(cat "$BUILD/.linked" 2>/dev/null)" == "$LINK_SUM" ]] || relink=1
for o in "${OBJECTS[@]}"; do [[ "$o" -nt "$BUILD/faiss.wasm" ]] && relink=1 && break; done
if ((relink)); then
  log "linking"
  em++ "${OBJECTS[@]}" -o "$BUILD/faiss.js" "${LINK_FLAGS[@]}"
  echo "$LINK_SUM" >"$BUILD/.linked"
else
  log "link is up to date"
fi

cp "$BUILD/faiss.js" "$DIST/faiss.js"
cp "$BUILD/faiss.wasm" "$DIST/faiss.wasm"
cp "$HERE/native/faiss-module.d.ts" "$DIST/faiss.d.ts"
cp "$SRC/LICENSE" "$DIST/LICENSE-FAISS"
{
  echo "FAISS $FAISS_DEB_VERSION (Debian source package), patches: $(cd "$HERE/patches" && ls *.patch | tr '\n' ' ')"
  echo "$(em++ --version | head -n1)"
  (cd "$DIST" && sha256sum faiss.js faiss.wasm)
} >"$DIST/BUILD-INFO.txt"
log "done: $(stat -c %s "$DIST/faiss.wasm") bytes wasm, $(gzip -9c "$DIST/faiss.wasm" | wc -c) gzipped"
