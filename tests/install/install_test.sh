#!/usr/bin/env bash
# install_test.sh consumer BUILD_DIR SOURCE_DIR CXX
#   `cmake --install` into a temporary prefix; checks the command, its man page, its bash completion and the
#   CMake package are where they belong; builds tests/install/consumer against that prefix alone and runs
#   scenarios/happy_path.yaml through pilesim::engine, which must give the installed command's trace hash.
# install_test.sh deb BUILD_DIR SOURCE_DIR
#   CPack's two .deb files in a temporary folder: their contents (dpkg-deb -c) and control fields (dpkg-deb -I),
#   then unpacked into a throwaway root whose pilesim must run.
set -euo pipefail
mode=$1 build=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install_test: $*" >&2; exit 1; }
has() { grep -qE "$2" <<<"$1" || fail "$3: no $2"; }

if [ "$mode" = consumer ]; then
  cxx=$4
  prefix=$tmp/prefix
  cmake --install "$build" --prefix "$prefix" >/dev/null
  for f in bin/pilesim share/man/man1/pilesim.1.gz share/bash-completion/completions/pilesim \
           include/scenarios/engine/world.hpp include/sim/trace.hpp; do
    [ -f "$prefix/$f" ] || fail "not installed: $f"
  done
  config=$(find "$prefix" -name pilesimConfig.cmake)
  [ -n "$config" ] && [ -f "$(dirname "$config")/pilesimConfigVersion.cmake" ] || fail "no CMake package config"
  zcat "$prefix/share/man/man1/pilesim.1.gz" | grep -q '^\.SS run$' || fail "man page has no section for run"
  bash -c "source '$prefix/share/bash-completion/completions/pilesim' && complete -p pilesim" >/dev/null ||
    fail "the completion script does not register pilesim"

  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S "$src/tests/install/consumer" -B "$tmp/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" -DCMAKE_PREFIX_PATH="$prefix" >"$tmp/configure.log" 2>&1 ||
    { cat "$tmp/configure.log" >&2; fail "the consumer project does not configure"; }
  cmake --build "$tmp/consumer" -j2 >"$tmp/build.log" 2>&1 ||
    { cat "$tmp/build.log" >&2; fail "the consumer project does not build"; }
  # Nothing of the source or build tree may be reached: the consumer sees the prefix only.
  if grep -F -e "$src/" -e "$build/" "$tmp/consumer/build.ninja" | grep -v -F "$src/tests/install/consumer" \
       | grep -q .; then
    fail "the consumer build reaches into pilesim's source or build tree"
  fi
  out=$("$tmp/consumer/run_scenario" "$src/scenarios/happy_path.yaml") || fail "run_scenario failed: $out"
  has "$out" '^result: pass$' "run_scenario"
  hash=$(sed -n 's/^trace hash: //p' <<<"$out")
  want=$("$prefix/bin/pilesim" run "$src/scenarios/happy_path.yaml" | sed -n 's/^trace hash: \([0-9a-f]*\).*/\1/p')
  [ -n "$hash" ] && [ "$hash" = "$want" ] || fail "trace hash $hash, the installed pilesim says $want"
  echo "install/consumer: installed, consumer built and ran happy_path (trace hash $hash)"
elif [ "$mode" = deb ]; then
  cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1 ||
    { cat "$tmp/cpack.log" >&2; fail "cpack failed"; }
  runtime=$(ls "$tmp"/out/pilesim_*.deb) dev=$(ls "$tmp"/out/libpilesim-dev_*.deb)
  files=$(dpkg-deb -c "$runtime")
  has "$files" ' \./usr/bin/pilesim$' "$runtime"
  has "$files" ' \./usr/share/man/man1/pilesim\.1\.gz$' "$runtime"
  has "$files" ' \./usr/share/bash-completion/completions/pilesim$' "$runtime"
  info=$(dpkg-deb -I "$runtime")
  has "$info" '^ Package: pilesim$' "$runtime"
  has "$info" '^ Depends: .*libsodium' "$runtime"
  files=$(dpkg-deb -c "$dev")
  has "$files" '/cmake/pilesim/pilesimConfig\.cmake$' "$dev"
  has "$files" '/cmake/pilesim/pilesimConfigVersion\.cmake$' "$dev"
  has "$files" '/cmake/pilesim/pilesimTargets\.cmake$' "$dev"
  has "$files" ' \./usr/include/scenarios/engine/world\.hpp$' "$dev"
  has "$files" '/libpilesim_scenarios\.a$' "$dev"
  info=$(dpkg-deb -I "$dev")
  has "$info" '^ Package: libpilesim-dev$' "$dev"
  has "$info" '^ Depends: .*libboost-json1\.81-dev' "$dev"
  root=$tmp/root
  dpkg-deb -x "$runtime" "$root"
  version=$("$root/usr/bin/pilesim" --version) || fail "the packaged pilesim does not run"
  has "$version" '^pilesim [0-9]' "the packaged pilesim --version"
  echo "install/deb: $(basename "$runtime") and $(basename "$dev") hold what they must"
else
  fail "unknown mode $mode"
fi
