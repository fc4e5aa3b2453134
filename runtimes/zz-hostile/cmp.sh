#!/bin/bash
# cmp.sh scenario.mjs : run in all 5, diff against node20
B=/work/main/runtimes/binaries/node_modules
cd /work/main/runtimes/zz-hostile
for r in node20:node node22:$B/node22/bin/node node24:$B/node24/bin/node bun:$B/@oven/bun-linux-x64/bin/bun "deno:$B/@deno/linux-x64-glibc/deno run -A"; do n=${r%%:*}; c=${r#*:}; timeout 120 $c h.mjs $1 > /tmp/hostile-rt/$1.$n.txt 2>&1; done
cd /tmp/hostile-rt; cat $1.node20.txt; for n in node22 node24 bun deno; do echo "== $n"; diff $1.node20.txt $1.$n.txt | grep '^>'; done
