# SPDX-License-Identifier: LGPL-2.1-or-later
# What `cmake --install` puts where (GNUInstallDirs): the library with its
# header, ovakit.pc and the CMake package (find_package(ovakit) ->
# ovakit::ovakit), the tools (src/cli), their man pages (man/) and bash
# completion (completion/).
include(CMakePackageConfigHelpers)

install(TARGETS ovakit EXPORT ovakitTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT dev
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(OVK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ovakit)
install(EXPORT ovakitTargets NAMESPACE ovakit:: DESTINATION ${OVK_CMAKE_DIR})
# A static libovakit.a needs its dependencies on the consumer's link line:
# the package config finds them again through pkg-config.
if(BUILD_SHARED_LIBS)
  set(OVK_PACKAGE_STATIC 0)
else()
  set(OVK_PACKAGE_STATIC 1)
endif()
list(JOIN OVK_PC_REQUIRES " " OVK_PC_REQUIRES_STR)
configure_package_config_file(cmake/ovakitConfig.cmake.in ovakitConfig.cmake
                              INSTALL_DESTINATION ${OVK_CMAKE_DIR})
# 0.x: a minor release may change the ABI (README, "ABI"), so only the same
# 0.MINOR is compatible; from 1.0 on, SameMajorVersion.
write_basic_package_version_file(ovakitConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/ovakitConfig.cmake ${CMAKE_BINARY_DIR}/ovakitConfigVersion.cmake
        DESTINATION ${OVK_CMAKE_DIR})

# ovakit.pc: every module the library links is in Requires.private, and
# what is not a pkg-config module (threads) in Libs.private, so
# `pkg-config --static --libs ovakit` links a libovakit.a.
configure_file(cmake/ovakit.pc.in ovakit.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/ovakit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)


add_subdirectory(man)
add_subdirectory(completion)
