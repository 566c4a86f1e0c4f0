# SPDX-License-Identifier: MIT
# Run by `cmake --install`: writes sluiced.service with the paths of this install, so a prefix
# chosen at install time (--prefix) gives a unit that starts the sluiced it installed. With
# DESTDIR the paths are the final ones (DESTDIR is a staging root, not part of them).
# In: SLUICE_UNIT_IN, SLUICE_BINDIR, SLUICE_SYSCONFDIR (as GNUInstallDirs set them).
set(_prefix "${CMAKE_INSTALL_PREFIX}")
if(IS_ABSOLUTE "${SLUICE_BINDIR}")
  set(CMAKE_INSTALL_FULL_BINDIR "${SLUICE_BINDIR}")
else()
  set(CMAKE_INSTALL_FULL_BINDIR "${_prefix}/${SLUICE_BINDIR}")
endif()
if(IS_ABSOLUTE "${SLUICE_SYSCONFDIR}")
  set(CMAKE_INSTALL_FULL_SYSCONFDIR "${SLUICE_SYSCONFDIR}")
elseif(_prefix STREQUAL "/usr")
  set(CMAKE_INSTALL_FULL_SYSCONFDIR "/etc") # as GNUInstallDirs does for /usr
else()
  set(CMAKE_INSTALL_FULL_SYSCONFDIR "${_prefix}/${SLUICE_SYSCONFDIR}")
endif()
set(_dir "$ENV{DESTDIR}${_prefix}/lib/systemd/system")
file(MAKE_DIRECTORY "${_dir}")
configure_file("${SLUICE_UNIT_IN}" "${_dir}/sluiced.service" @ONLY)
message(STATUS "Installing: ${_dir}/sluiced.service")
