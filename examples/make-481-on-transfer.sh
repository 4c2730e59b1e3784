#!/bin/sh
# make-481-on-transfer.sh [OUT] - makes examples/481-on-transfer.pcap (or OUT): the user
# story "481 Call Leg/Transaction Does Not Exist appears only when an inbound call from an
# external number is transferred to an internal extension; the call keeps working".
#
# Usage (root: tcpdump and network namespaces):  sh examples/make-481-on-transfer.sh
# The committed capture was made with it once; run it again only to change the story.
#
# The mechanism: after a blind transfer the transferor ends its dialog with the
# transferee (BYE) as soon as the REFER is accepted (202), without waiting for the
# NOTIFY that reports how the transfer went. The transferee's NOTIFY (the REFER's
# implicit subscription, sipfrag "SIP/2.0 200 OK") then arrives on a dialog that no
# longer exists and is answered 481. The transferred call itself is fine.
#
#   127.0.0.61:5080  gateway bringing in the call from +15551234567 (the transferee)
#   127.0.0.62:5080  receptionist, ext 100 (the transferor)
#   127.0.0.63:5080  ext 2001 (the transfer target)
#
#   leg 1  INVITE 180 200 ACK, REFER (Refer-To ext 2001) 202, BYE 200 (receptionist),
#          NOTIFY (sipfrag 200 OK, Subscription-State: terminated) -> 481
#   leg 2  INVITE (Referred-By: ext 100) 180 200 ACK ... 1.5 s later BYE 200
#   16 SIP messages over UDP, signalling only (no RTP), about 4.5 s.
#
# Played by sipp 3.6 (tests/e2e/scenarios/calls/xfer481_*.xml: read their comments),
# recorded with tcpdump on the loopback interface of a private network namespace (the
# host's lo when namespaces are not available). Real baresip 1.0 does not produce this
# story: as transferee it ends the REFER subscription when its dialog ends (final NOTIFY
# with sipfrag "500 Connection reset by peer"), and as transferor it waits for the final
# NOTIFY before its BYE (docs/internals/testing-calls.md).
#
# Deterministic enough: Call-IDs, tags, branches, addresses and ports are fixed, so two
# runs differ only in times (and IP ids / checksums). The capture is checked with tshark
# (tests/e2e/scenarios/calls/check_481_pcap.py) before it replaces OUT.
# Exit: 0 done, 77 cannot run here (reason printed), 1 failed.
. "$(dirname "$0")/../tests/e2e/lib_live.sh"
LIVE_LIMIT=${LIVE_LIMIT:-60}
live_init make481
# lib_live.sh derives the repo from $0 as if we were in tests/e2e: set it right.
LIVE_ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIVE_SCEN=$LIVE_ROOT/tests/e2e/scenarios
SC=$LIVE_SCEN/calls
OUT=${1:-$LIVE_ROOT/examples/481-on-transfer.pcap}
case $OUT in /*) ;; *) OUT=$(pwd)/$OUT ;; esac
live_need sipp tcpdump tshark python3 ip timeout
[ "$(id -u)" -eq 0 ] || live_skip "needs root to capture with tcpdump (uid $(id -u))"
cd "$W" || exit 1

ns=""
if live_can_netns; then
    ns=$(live_netns x481) || live_fail "cannot set up a network namespace"
    live_netns_adopt "$ns"
else
    live_log "cannot create a network namespace: recording the host's lo"
fi
GW=127.0.0.61
RCPT=127.0.0.62
EXT=127.0.0.63
PORT=5080

live_tcpdump_start x481 "$ns" lo "udp and port $PORT and (host $GW or host $RCPT or host $EXT)"
live_bg target "$ns" 30 sipp -sf "$SC/xfer481_target.xml" -i "$EXT" -p "$PORT" -m 1 -nostdin
live_bg transferor "$ns" 30 sipp -sf "$SC/xfer481_transferor.xml" -i "$RCPT" -p "$PORT" -m 1 \
    -nostdin -key c_host "$EXT" -key port "$PORT"
live_wait_listen "$ns" udp "$EXT" "$PORT" || live_fail "sipp target did not start: $(cat "$W/target.err")"
live_wait_listen "$ns" udp "$RCPT" "$PORT" || live_fail "sipp transferor did not start: $(cat "$W/transferor.err")"
live_run transferee "$ns" 30 sipp -sf "$SC/xfer481_transferee.xml" -i "$GW" -p "$PORT" -m 1 \
    -nostdin -cid_str xfer481-leg1@gw -key b_host "$RCPT" -key c_host "$EXT" -key port "$PORT" \
    "$RCPT:$PORT" ||
    live_fail "sipp transferee failed (exit $?): $(tail -n 25 "$W/transferee.out")"
live_wait transferor || live_fail "sipp transferor failed (exit $?): $(tail -n 25 "$W/transferor.out")"
live_wait target || live_fail "sipp target failed (exit $?): $(tail -n 25 "$W/target.out")"
live_tcpdump_stop x481

timeout 60 python3 "$SC/check_481_pcap.py" "$W/x481.pcap" >"$W/check.out" 2>&1
rc=$?
sed "s/^/$LIVE_NAME: /" "$W/check.out"
[ $rc -eq 0 ] || live_fail "the capture does not tell the story (above)"
cp "$W/x481.pcap" "$OUT" || live_fail "cannot write $OUT"
live_log "wrote $OUT ($(wc -c <"$OUT" | tr -d ' ') bytes, $(live_elapsed) s)"
exit 0
