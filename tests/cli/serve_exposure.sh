# serve refuses a token file other users can read, and warns when --host is not loopback
# (192.0.2.1 is TEST-NET-1: not on this machine, so the bind fails after the warning and
# nothing listens beyond loopback).
mkdir d
echo 0123456789abcdef0123456789abcdef01234567 > d/token
chmod 0644 d/token
"$CVAT_INGEST" serve --data d --port 0
echo "exit $?"
chmod 0600 d/token
"$CVAT_INGEST" serve --data d --host 192.0.2.1 --port 0
echo "exit $?"
