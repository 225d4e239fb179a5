# keel.py - gdb support for Keel's loadable modules.
#
# Loaded by the .gdbinit that `make qemu-gdb` writes.  It adds:
#
#   keel-modules          load the symbols of every loaded module, at the
#                         addresses its sections have in the running kernel
#   keel-module-path DIR  also look for NAME.ko in DIR (build/modules and
#                         build/bench are searched by default)
#
# and keeps gdb in step by itself: a breakpoint on module_debug_changed(),
# which the kernel calls after each load and unload, re-reads the list and
# continues.  So `break hello_init` before `insmod hello.ko` stops in the
# module's init, with source lines.
#
# The kernel side is kernel/module/debug.h: module_debug_list is a linked
# list of struct module_debug, each with the module's name and the address
# of every loaded section.

import os

import gdb

SEARCH = ["build/modules", "build/bench"]
loaded = {}  # module name -> (file, text address)


def module_file(name):
    for directory in SEARCH:
        path = os.path.join(directory, name + ".ko")
        if os.path.exists(path):
            return path
    return None


def read_modules():
    """[(name, {section: address})] from the target's module_debug_list."""
    modules = []
    entry = gdb.parse_and_eval("module_debug_list")
    while int(entry) != 0:
        d = entry.dereference()
        name = d["module"].string()
        names = d["names"]
        sections = {}
        for i in range(int(d["nsections"])):
            s = d["sections"][i]
            sections[(names + int(s["name"])).string()] = int(s["address"])
        modules.append((name, sections))
        entry = d["next"]
    return modules


def sync(verbose=True):
    current = read_modules()
    names = {name for name, _ in current}
    for name in list(loaded):
        if name not in names:
            path, text = loaded.pop(name)
            gdb.execute("remove-symbol-file -a 0x%x" % text, to_string=True)
            if verbose:
                print("keel: %s unloaded, symbols removed" % name)
    for name, sections in current:
        if name in loaded:
            continue
        path = module_file(name)
        if path is None:
            if verbose:
                print("keel: %s loaded, but no %s.ko in %s" % (name, name, SEARCH))
            continue
        text = sections.get(".text", min(sections.values()) if sections else 0)
        others = " ".join("-s %s 0x%x" % (s, a) for s, a in sections.items() if s != ".text")
        gdb.execute("add-symbol-file %s 0x%x %s" % (path, text, others), to_string=True)
        loaded[name] = (path, text)
        if verbose:
            print("keel: %s loaded at 0x%x, symbols from %s" % (name, text, path))


class ModulesCommand(gdb.Command):
    """Load the symbols of every module loaded in the Keel kernel."""

    def __init__(self):
        super().__init__("keel-modules", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        sync()


class ModulePathCommand(gdb.Command):
    """keel-module-path DIR: also search DIR for NAME.ko."""

    def __init__(self):
        super().__init__("keel-module-path", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        SEARCH.insert(0, arg.strip())


class ChangeBreakpoint(gdb.Breakpoint):
    """Stops at module_debug_changed, re-syncs symbols, and goes on."""

    def __init__(self):
        super().__init__("module_debug_changed", internal=True)
        self.silent = True

    def stop(self):
        sync()
        return False


ModulesCommand()
ModulePathCommand()
ChangeBreakpoint()
