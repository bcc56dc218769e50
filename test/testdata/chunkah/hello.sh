#!/bin/sh
cat /etc/motd
