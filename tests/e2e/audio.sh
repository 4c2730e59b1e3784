#!/bin/sh
# shellcheck disable=SC2016  # awk programs in single quotes
# audio.sh - `sipwhy audio` on calls whose audio is a known signal. sox makes two tones
# (caller 1000 Hz, called party 400 Hz, 2 s each) in each codec sipwhy decodes (PCMU,
# PCMA); tests/e2e/scenarios/audio/rtp_pcap.py wraps them as RTP; sipp plays them
# (play_pcap_audio) in real calls on lo, recorded with tcpdump:
#
#   call 1  127.0.0.90 -> .91  PCMU  caller plays at once, called party 1 s after the ACK
#   call 2  127.0.0.90 -> .92  PCMA  the same
#   call 3  127.0.0.90 -> .93  G729 (payload type 18): sipwhy cannot decode it
#
# Checks, with sox on the WAV files sipwhy writes: the caller's tone (1000 Hz) is on the
# left channel and the called party's (400 Hz) on the right; the right channel is silent
# for the first second and its tone starts about 1 s after the left one; the left tone
# ends after 2 s. Also: --stream writes a mono file, JSON is one valid object per file,
# the G.729 call is reported as not decoded with exit status 1.
# Exit: 0 pass, 77 skip (not root, tool missing), 1 fail. Takes about 15 s.
. "$(dirname "$0")/lib_live.sh"
. "$(dirname "$0")/scenarios/diag/lib_diag.sh"
diag_setup audio 90
live_need sox
. "$LIVE_SCEN/audio/lib_audio.sh"
audio_scenarios

UAC=127.0.0.90
P=$(live_port) || live_fail "no free port"
live_log "caller $UAC:$P, called parties 127.0.0.91-93:$P"
live_tcpdump_start cap "$NS" lo "udp and net 127.0.0.0/8"
audio_calls "$P"
sleep 0.5
live_tcpdump_stop cap

mkdir -p "$W/wav"
"$SIPWHY" audio -d "$W/wav" -f json "$W/cap.pcap" > "$W/audio.json" 2> "$W/audio.err"
live_expect "sipwhy audio's exit status (1: call 3's G.729 is not decoded)" 1 "$?"
live_expect "one file per call" "call-1.wav call-2.wav call-3.wav" "$(cd "$W/wav" && echo *.wav)"
live_expect "the JSON report: a valid object per file, call 3's track not decoded" "ok" "$(
    python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ok = len(rows) == 3 and [r["call"] for r in rows] == [1, 2, 3]
for r in rows[:2]:
    ok = ok and r["channels"] == 2 and sorted(t["channel"] for t in r["tracks"]) == ["left", "right"]
    ok = ok and all(t["decoded"] and t["packets"] == 100 for t in r["tracks"])
ok = ok and all(not t["decoded"] for t in rows[2]["tracks"])
print("ok" if ok else "bad: %r" % rows)' "$W/audio.json")"

# stat FILE CHANNEL START LEN FIELD: a figure of sox's stat on part of one channel
stat() {
    sox "$1" -n remix "$2" trim "$3" "$4" stat 2>&1 | awk -v f="$5" -F ':' '$1 ~ f { gsub(/ /, "", $2); print $2 }'
}
# onset FILE CHANNEL: seconds of silence before the channel's first sound
onset() {
    all=$(sox "$1" -n remix "$2" stat 2>&1 | awk -F ':' '/^Length/ { gsub(/ /, "", $2); print $2 }')
    rest=$(sox "$1" -t wav - remix "$2" silence 1 0.01 1% 2>/dev/null | sox -t wav - -n stat 2>&1 |
        awk -F ':' '/^Length/ { gsub(/ /, "", $2); print $2 }')
    awk -v a="$all" -v r="$rest" 'BEGIN { printf "%.3f\n", a - r }'
}
within() { # within VALUE LOW HIGH -> yes/no
    awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { print (v != "" && v + 0 >= lo && v + 0 <= hi) ? "yes" : "no: " v }'
}
for c in 1:PCMU 2:PCMA; do
    n=${c%%:*}
    codec=${c#*:}
    f=$W/wav/call-$n.wav
    live_expect "$codec: left channel (caller) carries 1000 Hz" yes \
        "$(within "$(stat "$f" 1 0.2 1.4 Rough)" 970 1030)"
    live_expect "$codec: left channel is loud while the caller plays" yes \
        "$(within "$(stat "$f" 1 0.2 1.4 'RMS.*amplitude')" 0.2 0.6)"
    live_expect "$codec: right channel (called party) carries 400 Hz" yes \
        "$(within "$(stat "$f" 2 1.5 1.2 Rough)" 385 415)"
    live_expect "$codec: right channel is silent before the called party plays" yes \
        "$(within "$(stat "$f" 2 0.1 0.6 'RMS.*amplitude')" 0 0.005)"
    live_expect "$codec: left channel is silent after the caller's 2 s" yes \
        "$(within "$(stat "$f" 1 2.3 0.5 'RMS.*amplitude')" 0 0.005)"
    live_expect "$codec: the caller's tone starts the file" yes "$(within "$(onset "$f" 1)" 0 0.05)"
    live_expect "$codec: the called party's tone starts about 1 s later" yes \
        "$(within "$(onset "$f" 2)" 0.95 1.4)"
done
live_expect_done "the audio of calls 1 and 2"

# One stream as a mono file, and what the text report says of call 3.
s=$("$SIPWHY" rtp -f tsv "$W/cap.pcap" | awk -F '\t' 'NR > 1 && $2 == 1 && $9 == 31000 { print $1 }')
"$SIPWHY" audio --stream "$s" -o "$W/one.wav" "$W/cap.pcap" > /dev/null
live_expect "--stream: exit status" 0 "$?"
live_expect "--stream: a mono file with the caller's tone" "1 yes" \
    "$(sox --i -c "$W/one.wav") $(within "$(stat "$W/one.wav" 1 0.2 1.4 Rough)" 970 1030)"
"$SIPWHY" audio --call 3 -o "$W/g729.wav" "$W/cap.pcap" > "$W/g729.txt"
live_expect "--call 3: exit status" 1 "$?"
live_expect "--call 3: the G.729 streams are named as not decoded" 2 \
    "$(grep -c 'G729  not decoded' "$W/g729.txt")"
"$SIPWHY" audio --call 9 "$W/cap.pcap" > /dev/null 2> "$W/nocall.err"
live_expect "--call 9 (no such call): usage error" 2 "$?"
live_expect_done "--stream and --call"
live_log "PASS ($(live_elapsed) s)"
exit 0
