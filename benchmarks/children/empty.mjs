// The empty script of the start-up row: `node empty.mjs` vs `stagescope run -- empty.mjs`.
