# Sourced by the fuzz scripts: builds nnc's modules as static libraries with the
# fuzzer's flags, in dependency order, each from every Swift file under its folder.
#   build_module OUT NAME [extra sources...]   (uses the caller's "${flags[@]}" and "${cpu[@]}")
build_module() {
    local out=$1 name=$2; shift 2
    # shellcheck disable=SC2046
    swiftc "${flags[@]}" "${cpu[@]}" -package-name nnc -I Sources/CYAML -I "$out" -emit-library -static -emit-module -module-name "$name" \
        -emit-module-path "$out/$name.swiftmodule" $(find "Sources/$name" -name '*.swift' | sort) "$@" -o "$out/lib$name.a"
}
