# SPDX-License-Identifier: GPL-2.0
#
# relaykit: module symbols for gdb on a UML kernel, sourced by uml/gdb.sh
# and GDB= boots (uml/lib/gdb-start.sh) after the kernel's vmlinux-gdb.py.
#
#   rk-module-symbols DIR...   load the symbols of every loaded module whose
#                              .ko is under DIR (e.g. build/uml-debug/net/relay),
#                              and of every module loaded from now on
#
# Why not lx-symbols alone: in 6.1 its breakpoint in do_init_module reloads
# every symbol file when a module loads again (rmmod + insmod, make reload),
# and with gdb 13 that breakpoint then hits again at once, forever: the
# guest hangs in insmod. This one only adds the new module's file, with
# all of its sections (.init.text too, so a breakpoint on a module's init
# function lands where the kernel put it).

import os

import gdb


# An address no kernel object has, for sections the kernel did not load.
_NOWHERE = 0xffffffffff000000


def _module_sections(module):
    """Section name -> load address, from the module's sect_attrs."""
    try:
        sect_attrs = module['sect_attrs'].dereference()
    except gdb.error:
        return {}
    attrs = sect_attrs['attrs']
    sections = {}
    for i in range(int(sect_attrs['nsections'])):
        name = attrs[i]['battr']['attr']['name'].string()
        address = int(attrs[i]['address'])
        if address:
            sections[name] = address
    return sections


def _loaded_modules():
    # vmlinux-gdb.py's walk: a cast expression naming struct module would
    # make gdb expand the DWARF of the whole (debug) kernel, for minutes.
    from linux import modules
    for module in modules.module_list():
        yield module.dereference()


class ModuleSymbols(gdb.Command):
    """Load symbols of loaded modules found under DIR..., and of modules loaded later.

Usage: rk-module-symbols DIR...  (e.g. build/uml-debug/net/relay)"""

    def __init__(self):
        super().__init__("rk-module-symbols", gdb.COMMAND_FILES,
                         gdb.COMPLETE_FILENAME)
        self.dirs = []
        self.loaded = {}        # module name -> what was loaded for it
        self.breakpoint = None

    def find_ko(self, name):
        want = {name + ".ko", name.replace("_", "-") + ".ko"}
        for top in self.dirs:
            for root, _, files in os.walk(top):
                for file in files:
                    if file in want:
                        return os.path.join(root, file)
        return None

    def load(self, module):
        name = module['name'].string()
        path = self.find_ko(name)
        if not path:
            gdb.write("rk-module-symbols: no {0}.ko under {1}\n".format(
                name, " ".join(self.dirs)))
            return
        sections = _module_sections(module)
        # The kernel does not load .modinfo (no address in sect_attrs);
        # gdb would put it at 0 and print every NULL as <__UNIQUE_ID_...>.
        sections.setdefault(".modinfo", _NOWHERE)
        text = sections.pop(".text", None)
        if text is None:
            text = int(module['core_layout']['base'])
        # Adding a symbol file from stop() re-creates the breakpoint's
        # location, and gdb then hits it once more at the same pc
        # instead of stepping over it: load each (file, addresses) once.
        key = (path, os.stat(path).st_mtime_ns, text, sorted(sections.items()))
        if self.loaded.get(name) == key:
            return
        if any(obj.filename == path for obj in gdb.objfiles()):
            gdb.execute("remove-symbol-file {0}".format(path), to_string=True)
        args = "".join(" -s {0} {1:#x}".format(sec, addr)
                       for sec, addr in sorted(sections.items()))
        gdb.execute("add-symbol-file {0} {1:#x}{2}".format(path, text, args),
                    to_string=True)
        self.loaded[name] = key
        gdb.write("rk-module-symbols: {0} at {1:#x} from {2}\n".format(
            name, text, path))
        self.check_build_id(name, path, sections.get(".note.gnu.build-id"))

    @staticmethod
    def check_build_id(name, path, note):
        """Warn when the .ko on disk is not the one the kernel loaded (rebuilt
        since): its symbols would point at the wrong places."""
        objfile = next((o for o in gdb.objfiles() if o.filename == path), None)
        if note is None or objfile is None or not objfile.build_id:
            return
        try:
            mem = bytes(gdb.selected_inferior().read_memory(note, 16 + 64))
        except gdb.MemoryError:
            return
        namesz = int.from_bytes(mem[0:4], "little")
        descsz = int.from_bytes(mem[4:8], "little")
        start = 12 + ((namesz + 3) & ~3)
        loaded = mem[start:start + descsz].hex()
        if loaded != objfile.build_id:
            gdb.write("rk-module-symbols: warning: {0} on disk (build id {1}) is "
                      "not the loaded {2} (build id {3}): rebuilt since? "
                      "Reload it (make reload) or restart the run\n".format(
                          path, objfile.build_id, name, loaded))

    def invoke(self, arg, from_tty):
        self.dirs = [os.path.abspath(os.path.expanduser(d))
                     for d in gdb.string_to_argv(arg)]
        if not self.dirs:
            raise gdb.GdbError("usage: rk-module-symbols DIR...")
        # Without a running kernel, gdb reads the list from the file: empty.
        for module in _loaded_modules():
            self.load(module)
        if self.breakpoint is None:
            self.breakpoint = _LoadBreakpoint(self)


class _LoadBreakpoint(gdb.Breakpoint):
    """Silent breakpoint in do_init_module: the module is in memory, its
    init function not yet called."""

    def __init__(self, command):
        super().__init__("do_init_module", internal=True)
        self.silent = True
        self.command = command

    def stop(self):
        pagination = gdb.parameter("pagination")
        gdb.execute("set pagination off")
        try:
            self.command.load(gdb.parse_and_eval("mod").dereference())
        except gdb.error as err:
            gdb.write("rk-module-symbols: {0}\n".format(err))
        gdb.execute("set pagination {0}".format("on" if pagination else "off"))
        return False


ModuleSymbols()
