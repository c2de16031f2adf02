"""The programs that ship with gdasm (installed as the package vm.programs)."""
