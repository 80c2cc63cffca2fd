;; Kernels of gradient boosting (src/forest/boost.ts, through src/forest/hist-kernel.ts): histogram
;; building and subtraction, the split search, the row partition, the round's row sample, gradients
;; and leaf moves. Pointers are byte addresses in the imported memory.
;;
;; `build` zeroes fillBytes bytes of the histogram at hist from fillFrom, then for every row
;; r = idx[i], i in [start, end), and every chosen feature k adds (g[r], h[r], 1) to the three f64
;; cells at hist + offs[k] + 24 * bins[r * F + feats[k]]; with counts = 0 it adds (g[r], h[r]) to two
;; cells at 16 * bins[...] (for growers with no row-count limit on a child). feats and offs are i32
;; arrays of nSel entries (offs in bytes from the histogram's start).
;;
;; JavaScript ran these loops 2-3x slower (a bounds check on every typed-array access); they are
;; most of a boosting round. Rebuild the bytes with `npm run build:wasm` after editing.
(module
  (import "env" "memory" (memory 1))
  ;; Math.exp, for the rare row whose running exp(-margin) left the double range.
  (import "env" "exp" (func $exp (param f64) (result f64)))
  (func (export "build")
    (param $idx i32) (param $start i32) (param $end i32) (param $gh i32) (param $bins i32) (param $F i32)
    (param $feats i32) (param $offs i32) (param $nSel i32) (param $hist i32) (param $fillFrom i32) (param $fillBytes i32) (param $counts i32)
    (local $i i32) (local $r i32) (local $gh2 v128) (local $rb i32) (local $k i32) (local $o i32) (local $kEnd i32) (local $step i32)
    (memory.fill (i32.add (local.get $hist) (local.get $fillFrom)) (i32.const 0) (local.get $fillBytes))
    (local.set $i (local.get $start))
    (local.set $kEnd (i32.shl (local.get $nSel) (i32.const 2)))
    (local.set $step (select (i32.const 24) (i32.const 16) (local.get $counts)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $r (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))))
        ;; g and h interleaved (16 bytes per row), added to a bin's first two cells as one f64x2
        (local.set $gh2 (v128.load (i32.add (local.get $gh) (i32.shl (local.get $r) (i32.const 4)))))
        (local.set $rb (i32.add (local.get $bins) (i32.mul (local.get $r) (local.get $F))))
        (local.set $k (i32.const 0))
        ;; two features per turn, then the odd one out
        (block $kdone
          (loop $feat
            (br_if $kdone (i32.ge_u (i32.add (local.get $k) (i32.const 4)) (local.get $kEnd)))
            (local.set $o (i32.add
              (i32.add (local.get $hist) (i32.load offset=0 (i32.add (local.get $offs) (local.get $k))))
              (i32.mul
                (i32.load8_u (i32.add (local.get $rb) (i32.load offset=0 (i32.add (local.get $feats) (local.get $k)))))
                (local.get $step))))
            (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o)) (local.get $gh2)))
            (if (local.get $counts)
              (then (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (f64.const 1)))))
            (local.set $o (i32.add
              (i32.add (local.get $hist) (i32.load offset=4 (i32.add (local.get $offs) (local.get $k))))
              (i32.mul
                (i32.load8_u (i32.add (local.get $rb) (i32.load offset=4 (i32.add (local.get $feats) (local.get $k)))))
                (local.get $step))))
            (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o)) (local.get $gh2)))
            (if (local.get $counts)
              (then (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (f64.const 1)))))
            (local.set $k (i32.add (local.get $k) (i32.const 8)))
            (br $feat)))
        (if (i32.lt_u (local.get $k) (local.get $kEnd))
          (then
            (local.set $o (i32.add
              (i32.add (local.get $hist) (i32.load offset=0 (i32.add (local.get $offs) (local.get $k))))
              (i32.mul
                (i32.load8_u (i32.add (local.get $rb) (i32.load offset=0 (i32.add (local.get $feats) (local.get $k)))))
                (local.get $step))))
            (v128.store (local.get $o) (f64x2.add (v128.load (local.get $o)) (local.get $gh2)))
            (if (local.get $counts)
              (then (f64.store offset=16 (local.get $o) (f64.add (f64.load offset=16 (local.get $o)) (f64.const 1)))))
))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))
;; Moves the rows idx[start..end) with col[r] <= bin (col: one feature's bins) before the others and
  ;; returns the first index of the right side. Stable and branch-free: each row is written to the left
  ;; side in place (never ahead of the read) and to the scratch list, and only its own side's cursor moves;
  ;; then the scratch (the right side) is copied after the left. Rows keep their order in every node, so
  ;; the histogram loops read bins and gradients at rising addresses.
  (func (export "partition")
    (param $idx i32) (param $start i32) (param $end i32) (param $col i32) (param $bin i32) (param $scratch i32)
    (result i32)
    (local $i i32) (local $l i32) (local $n i32) (local $t i32) (local $c i32)
    (local.set $i (local.get $start))
    (local.set $l (local.get $start))
    (block $done
      (loop $scan
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $t (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $c (i32.le_u (i32.load8_u (i32.add (local.get $col) (local.get $t))) (local.get $bin)))
        (i32.store (i32.add (local.get $idx) (i32.shl (local.get $l) (i32.const 2))) (local.get $t))
        (i32.store (i32.add (local.get $scratch) (i32.shl (local.get $n) (i32.const 2))) (local.get $t))
        (local.set $l (i32.add (local.get $l) (local.get $c)))
        (local.set $n (i32.add (local.get $n) (i32.xor (local.get $c) (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scan)))
    (memory.copy
      (i32.add (local.get $idx) (i32.shl (local.get $l) (i32.const 2)))
      (local.get $scratch)
      (i32.shl (local.get $n) (i32.const 2)))
    (local.get $l))
  ;; a[q] -= b[q] for the f64 pairs at byte addresses a and b, over size bytes (a multiple of 16).
  (func (export "subtract") (param $a i32) (param $b i32) (param $size i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $a) (local.get $size)))
    (block $done
      (loop $pairs
        (br_if $done (i32.ge_u (local.get $a) (local.get $end)))
        (v128.store (local.get $a) (f64x2.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (local.set $b (i32.add (local.get $b) (i32.const 16)))
        (br $pairs))))
  ;; Bernoulli row sample of one round: the mulberry32 stream from the state at byte address st keeps
  ;; train[i] (to idx) when its draw u / 2^32 < keep, else sends it to out; writes the stream's state
  ;; back and returns how many were kept. Bit for bit the draws of src/forest/rng.ts's mulberry32.
  (func (export "sample") (param $train i32) (param $n i32) (param $idx i32) (param $out i32) (param $st i32) (param $keep f64)
    (result i32)
    (local $i i32) (local $a i32) (local $t i32) (local $r i32) (local $kept i32) (local $left i32) (local $c i32)
    (local.set $a (i32.load (local.get $st)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $r (i32.load (i32.add (local.get $train) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $a (i32.add (local.get $a) (i32.const 0x6d2b79f5)))
        (local.set $t (i32.mul (i32.xor (local.get $a) (i32.shr_u (local.get $a) (i32.const 15))) (i32.or (local.get $a) (i32.const 1))))
        (local.set $t (i32.xor (local.get $t)
          (i32.add (local.get $t) (i32.mul (i32.xor (local.get $t) (i32.shr_u (local.get $t) (i32.const 7))) (i32.or (local.get $t) (i32.const 61))))))
        (local.set $t (i32.xor (local.get $t) (i32.shr_u (local.get $t) (i32.const 14))))
        ;; branch-free: the row goes to both lists and only the list it belongs to moves on (a draw
        ;; kept with probability 0.8 mispredicts a branch one time in five)
        (i32.store (i32.add (local.get $idx) (i32.shl (local.get $kept) (i32.const 2))) (local.get $r))
        (i32.store (i32.add (local.get $out) (i32.shl (local.get $left) (i32.const 2))) (local.get $r))
        (local.set $c (f64.lt (f64.convert_i32_u (local.get $t)) (local.get $keep)))
        (local.set $kept (i32.add (local.get $kept) (local.get $c)))
        (local.set $left (i32.add (local.get $left) (i32.xor (local.get $c) (i32.const 1))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))
    (i32.store (local.get $st) (local.get $a))
    (local.get $kept))
  ;; Best split of one node from its histogram (the grower's findSplit, operation for operation, so the
  ;; same split wins to the last bit). Per chosen feature k: offs[k] its bins' byte offset, last[k] its
  ;; number of split points, dir[k] its monotone direction (+1, -1, 0). Writes gain, GL, HL, wL, wR
  ;; (f64) and k, bin (i32) at out; returns k, or -1 when no split gains more than gamma.
  (func (export "bestSplit")
    (param $hist i32) (param $offs i32) (param $last i32) (param $dir i32) (param $nSel i32) (param $stride i32) (param $counted i32)
    (param $count f64) (param $G f64) (param $H f64) (param $lo f64) (param $hi f64) (param $lambda f64)
    (param $mcw f64) (param $msl f64) (param $gamma f64) (param $parent f64) (param $out i32)
    (result i32)
    (local $k i32) (local $b i32) (local $o i32) (local $nb i32) (local $d i32)
    (local $GL f64) (local $HL f64) (local $CL f64) (local $hb f64) (local $GR f64) (local $HR f64)
    (local $wL f64) (local $wR f64) (local $gain f64)
    (local $best f64) (local $bestK i32) (local $bestBin i32)
    (local $bGL f64) (local $bHL f64) (local $bwL f64) (local $bwR f64)
    (local.set $best (f64.const -inf))
    (local.set $bestK (i32.const -1))
    (block $kdone
      (loop $feat
        (br_if $kdone (i32.ge_u (local.get $k) (local.get $nSel)))
        (local.set $o (i32.add (local.get $hist) (i32.load (i32.add (local.get $offs) (i32.shl (local.get $k) (i32.const 2))))))
        (local.set $nb (i32.load (i32.add (local.get $last) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $d (i32.load (i32.add (local.get $dir) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $GL (f64.const 0))
        (local.set $HL (f64.const 0))
        (local.set $CL (f64.const 0))
        (local.set $b (i32.const 0))
        (block $bdone
          (loop $bins
            (br_if $bdone (i32.ge_u (local.get $b) (local.get $nb)))
            (block $next
              (local.set $hb (f64.load offset=8 (local.get $o)))
              ;; an empty bin splits the rows as the bin before it did
              (br_if $next (f64.eq (local.get $hb) (f64.const 0)))
              (local.set $GL (f64.add (local.get $GL) (f64.load (local.get $o))))
              (local.set $HL (f64.add (local.get $HL) (local.get $hb)))
              (if (local.get $counted)
                (then
                  (local.set $CL (f64.add (local.get $CL) (f64.load offset=16 (local.get $o))))
                  (br_if $next (f64.lt (local.get $CL) (local.get $msl)))
                  (br_if $bdone (f64.lt (f64.sub (local.get $count) (local.get $CL)) (local.get $msl)))))
              (br_if $next (f64.lt (local.get $HL) (local.get $mcw)))
              (local.set $HR (f64.sub (local.get $H) (local.get $HL)))
              (br_if $next (f64.lt (local.get $HR) (local.get $mcw)))
              (local.set $GR (f64.sub (local.get $G) (local.get $GL)))
              (local.set $wL (f64.div (f64.neg (local.get $GL)) (f64.add (local.get $HL) (local.get $lambda))))
              (local.set $wL (select (local.get $lo)
                (select (local.get $hi) (local.get $wL) (f64.gt (local.get $wL) (local.get $hi)))
                (f64.lt (local.get $wL) (local.get $lo))))
              (local.set $wR (f64.div (f64.neg (local.get $GR)) (f64.add (local.get $HR) (local.get $lambda))))
              (local.set $wR (select (local.get $lo)
                (select (local.get $hi) (local.get $wR) (f64.gt (local.get $wR) (local.get $hi)))
                (f64.lt (local.get $wR) (local.get $lo))))
              (br_if $next (i32.and (i32.gt_s (local.get $d) (i32.const 0)) (f64.gt (local.get $wL) (local.get $wR))))
              (br_if $next (i32.and (i32.lt_s (local.get $d) (i32.const 0)) (f64.lt (local.get $wL) (local.get $wR))))
              ;; gain = -(2·GL·wL + (HL + λ)·wL²) - (2·GR·wR + (HR + λ)·wR²) - parent
              (local.set $gain (f64.sub
                (f64.add
                  (f64.neg (f64.add (f64.mul (f64.mul (f64.const 2) (local.get $GL)) (local.get $wL))
                                    (f64.mul (f64.mul (f64.add (local.get $HL) (local.get $lambda)) (local.get $wL)) (local.get $wL))))
                  (f64.neg (f64.add (f64.mul (f64.mul (f64.const 2) (local.get $GR)) (local.get $wR))
                                    (f64.mul (f64.mul (f64.add (local.get $HR) (local.get $lambda)) (local.get $wR)) (local.get $wR)))))
                (local.get $parent)))
              (if (i32.and (i32.and (f64.gt (local.get $gain) (local.get $gamma)) (f64.gt (local.get $gain) (f64.const 1e-12)))
                           (f64.gt (local.get $gain) (local.get $best)))
                (then
                  (local.set $best (local.get $gain))
                  (local.set $bestK (local.get $k))
                  (local.set $bestBin (local.get $b))
                  (local.set $bGL (local.get $GL))
                  (local.set $bHL (local.get $HL))
                  (local.set $bwL (local.get $wL))
                  (local.set $bwR (local.get $wR)))))
            (local.set $o (i32.add (local.get $o) (local.get $stride)))
            (local.set $b (i32.add (local.get $b) (i32.const 1)))
            (br $bins)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $feat)))
    (f64.store (local.get $out) (local.get $best))
    (f64.store offset=8 (local.get $out) (local.get $bGL))
    (f64.store offset=16 (local.get $out) (local.get $bHL))
    (f64.store offset=24 (local.get $out) (local.get $bwL))
    (f64.store offset=32 (local.get $out) (local.get $bwR))
    (i32.store offset=40 (local.get $out) (local.get $bestK))
    (i32.store offset=44 (local.get $out) (local.get $bestBin))
    (local.get $bestK))
  ;; Gradients of the log-loss for rows r = idx[i], i < n: with e = expNeg[r] (exp(-margin[r]), kept
  ;; by products; recomputed from margin when it left (0, ∞)), p = 1 / (1 + e), g = p - y[r],
  ;; h = max(p(1 - p), 1e-16) into gh; their sums (in row order) as two f64 at sums.
  (func (export "gradients") (param $idx i32) (param $n i32) (param $margin i32) (param $expNeg i32) (param $y i32) (param $gh i32) (param $sums i32)
    (local $i i32) (local $r i32) (local $at i32) (local $e f64) (local $p f64) (local $g f64) (local $h f64) (local $G f64) (local $H f64)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $r (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $at (i32.add (local.get $expNeg) (i32.shl (local.get $r) (i32.const 3))))
        (local.set $e (f64.load (local.get $at)))
        (if (i32.eqz (i32.and (f64.gt (local.get $e) (f64.const 0)) (f64.lt (local.get $e) (f64.const inf))))
          (then
            (local.set $e (call $exp (f64.neg (f64.load (i32.add (local.get $margin) (i32.shl (local.get $r) (i32.const 3)))))))
            (f64.store (local.get $at) (local.get $e))))
        (local.set $p (f64.div (f64.const 1) (f64.add (f64.const 1) (local.get $e))))
        (local.set $g (f64.sub (local.get $p) (f64.convert_i32_u (i32.load8_u (i32.add (local.get $y) (local.get $r))))))
        (local.set $h (f64.max (f64.mul (local.get $p) (f64.sub (f64.const 1) (local.get $p))) (f64.const 1e-16)))
        (f64.store (i32.add (local.get $gh) (i32.shl (local.get $r) (i32.const 4))) (local.get $g))
        (f64.store offset=8 (i32.add (local.get $gh) (i32.shl (local.get $r) (i32.const 4))) (local.get $h))
        (local.set $G (f64.add (local.get $G) (local.get $g)))
        (local.set $H (f64.add (local.get $H) (local.get $h)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows)))
    (f64.store (local.get $sums) (local.get $G))
    (f64.store offset=8 (local.get $sums) (local.get $H)))
  ;; Moves rows that are not in a leaf's range by walking one tree on their bins: for r = rows[i], i < n,
  ;; from node 0 while feature[node] >= 0 go to left[node] when bins[r * F + feature[node]] <= split[node],
  ;; else left[node] + 1; then margin[r] += value[node], expNeg[r] *= factor[node] (i32 arrays feature,
  ;; split, left; f64 arrays value, factor).
  (func (export "traverse")
    (param $rows i32) (param $n i32) (param $bins i32) (param $F i32) (param $feature i32) (param $split i32) (param $left i32)
    (param $value i32) (param $factor i32) (param $margin i32) (param $expNeg i32)
    (local $i i32) (local $r i32) (local $rb i32) (local $node i32) (local $f i32) (local $at i32)
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $r (i32.load (i32.add (local.get $rows) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $rb (i32.add (local.get $bins) (i32.mul (local.get $r) (local.get $F))))
        (local.set $node (i32.const 0))
        (block $leaf
          (loop $walk
            (local.set $f (i32.load (i32.add (local.get $feature) (i32.shl (local.get $node) (i32.const 2)))))
            (br_if $leaf (i32.lt_s (local.get $f) (i32.const 0)))
            (local.set $node (i32.add
              (i32.load (i32.add (local.get $left) (i32.shl (local.get $node) (i32.const 2))))
              (i32.gt_u
                (i32.load8_u (i32.add (local.get $rb) (local.get $f)))
                (i32.load (i32.add (local.get $split) (i32.shl (local.get $node) (i32.const 2)))))))
            (br $walk)))
        (local.set $at (i32.shl (local.get $r) (i32.const 3)))
        (f64.store (i32.add (local.get $margin) (local.get $at))
          (f64.add (f64.load (i32.add (local.get $margin) (local.get $at))) (f64.load (i32.add (local.get $value) (i32.shl (local.get $node) (i32.const 3))))))
        (f64.store (i32.add (local.get $expNeg) (local.get $at))
          (f64.mul (f64.load (i32.add (local.get $expNeg) (local.get $at))) (f64.load (i32.add (local.get $factor) (i32.shl (local.get $node) (i32.const 3))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))
  ;; Moves the rows idx[start..end) of one leaf: margin += v, expNeg *= factor (= exp(-v)).
  (func (export "moveLeaf") (param $idx i32) (param $start i32) (param $end i32) (param $margin i32) (param $expNeg i32) (param $v f64) (param $factor f64)
    (local $i i32) (local $at i32)
    (local.set $i (local.get $start))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $at (i32.shl (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 3)))
        (f64.store (i32.add (local.get $margin) (local.get $at)) (f64.add (f64.load (i32.add (local.get $margin) (local.get $at))) (local.get $v)))
        (f64.store (i32.add (local.get $expNeg) (local.get $at)) (f64.mul (f64.load (i32.add (local.get $expNeg) (local.get $at))) (local.get $factor)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))
)
