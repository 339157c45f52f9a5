# SPDX-License-Identifier: MIT
# wristband-pc.cmake - run by `cmake --install` (install(SCRIPT) in CMakeLists.txt): writes
# wristband.pc for the prefix actually installed to (CMAKE_INSTALL_PREFIX, or --prefix) and installs
# it into LIBDIR/pkgconfig. prefix, libdir and includedir are absolute paths: pkg-config then
# reports the right directories whatever the depth of the libdir (Debian's lib/x86_64-linux-gnu),
# and a staged install (DESTDIR) keeps the final paths, as packages need.
# In: WB_PC_TEMPLATE (the configured wristband.pc.in), WB_PC_LIBDIR, WB_PC_INCLUDEDIR (relative
# to the prefix, or absolute), set by the install(CODE) just before.
get_filename_component(WB_PC_PREFIX "${CMAKE_INSTALL_PREFIX}" ABSOLUTE)
set(wb_pc_dest "${WB_PC_LIBDIR}/pkgconfig")
foreach(var WB_PC_LIBDIR WB_PC_INCLUDEDIR)
  if(NOT IS_ABSOLUTE "${${var}}")
    set(${var} "\${prefix}/${${var}}")
  endif()
endforeach()
if(NOT IS_ABSOLUTE "${wb_pc_dest}")
  set(wb_pc_dest "${CMAKE_INSTALL_PREFIX}/${wb_pc_dest}")
endif()
# One scratch file per prefix, so that two installs of one build tree cannot mix their files.
string(MD5 wb_pc_key "${WB_PC_PREFIX}")
get_filename_component(wb_pc_scratch "${WB_PC_TEMPLATE}" DIRECTORY)
set(wb_pc_scratch "${wb_pc_scratch}/pc-install/${wb_pc_key}/wristband.pc")
configure_file("${WB_PC_TEMPLATE}" "${wb_pc_scratch}" @ONLY)
file(INSTALL DESTINATION "${wb_pc_dest}" TYPE FILE FILES "${wb_pc_scratch}")
