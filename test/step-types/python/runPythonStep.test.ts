/** The python step with real interpreters: output, logs, context, failures and their retryability. */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { pythonStepType } from "../../../src/step-types/python/index.js";
import { runPythonStep } from "../../../src/step-types/python/runPythonStep.js";
import { describeWithPython, never, pluginProject, PYTHON, stepFailure, type PluginProject } from "./pythonSupport.js";

const PLUGINS: Record<string, string> = {
  "plugins/checks/__init__.py": "",
  "plugins/checks/basics.py": `
import datetime, decimal, os, sys, time, uuid

def empty(ctx):
    return {}

def nothing(ctx):
    return None

def number(ctx):
    return 42

def listing(ctx):
    return [1, "two", None]

def nested(ctx, *, scale=1):
    return {
        "scale": scale,
        "rows": [{"id": 1, "tags": ("a", "b")}, {"id": 2, "tags": []}],
        "when": datetime.date(2026, 3, 29),
        "at": datetime.datetime(2026, 3, 29, 2, 30, 0, 123456, tzinfo=datetime.timezone.utc),
        "amount": decimal.Decimal("12.50"),
        "big": 2**64,
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "unicode": "été · ✓",
    }

def unsendable(ctx):
    return {"ok": 1, "handle": {"inner": object()}}

def raw_bytes(ctx):
    return {"blob": b"\\x00\\x01"}

def chatty(ctx):
    # Pauses between the two pipes (stdout, the protocol pipe): unbuffered, the lines arrive in time order.
    print("first print")
    time.sleep(0.05)
    ctx.log.debug("a debug line")
    ctx.log.info("an info line with %s", "formatting")
    time.sleep(0.05)
    print("second print", flush=False)
    ctx.log.warning("a warning line")
    ctx.log.error("an error line")
    print("to stderr", file=sys.stderr)
    return {"done": True}

def context_fields(ctx):
    return {
        "job_id": ctx.job_id, "run_id": ctx.run_id, "step": ctx.step, "attempt": ctx.attempt,
        "params": ctx.params, "cwd": os.getcwd(),
        "env": {name: os.environ.get(name) for name in ("NOMAFLOW_JOB_ID", "NOMAFLOW_RUN_ID", "NOMAFLOW_STEP", "NOMAFLOW_ATTEMPT", "FROM_PROJECT", "PYTHONUNBUFFERED")},
        "path0": sys.path[0],
        "argv": sys.argv,
    }

def notifies(ctx):
    ctx.notify("sync hello")
    ctx.notify("to oncall", recipients=["oncall"])
    return {"sent": 2}

async def notifies_async(ctx):
    await ctx.notify("async hello", "teams")
    return {"sent": 1}

def kwargs_echo(ctx, **kwargs):
    return {"kwargs": kwargs, "types": {name: type(value).__name__ for name, value in kwargs.items()}}

def raises(ctx, *, threshold_percent=50):
    helper(threshold_percent)

def helper(threshold):
    raise RuntimeError(f"row-count delta 62.0% > threshold {threshold}%")

def chained(ctx):
    try:
        {}["missing"]
    except KeyError as error:
        raise ValueError("could not read the config") from error

def exits(ctx):
    sys.exit(3)

def dies(ctx):
    print("about to die")
    os._exit(7)

def takes_nothing():
    return {}

def type_error_inside(ctx):
    return len(5)

not_a_function = 3
`,
  "plugins/checks/asyncs.py": `
import asyncio

async def gathered(ctx, *, n=3):
    async def one(index):
        await asyncio.sleep(0.01 * (n - index))
        ctx.log.info(f"task {index}")
        return index
    return {"results": await asyncio.gather(*(one(index) for index in range(n)))}

async def raises_async(ctx):
    await asyncio.sleep(0)
    raise LookupError("nothing found for 2026-03-29")
`,
  "plugins/checks/broken_import.py": "import nomaflow_no_such_module_xyz\n\ndef run(ctx):\n    return {}\n",
  "plugins/checks/bad_syntax.py": "def run(ctx)\n    return {}\n",
  "plugins/checks/starts_children.py": `
import subprocess

def leaves_child(ctx):
    child = subprocess.Popen(["sleep", "20"])
    with open("leftover.txt", "w") as out:
        out.write(str(child.pid))
    return {"child": child.pid}
`,
  "plugins/flat.py": "def run(ctx, *, who='world'):\n    return {'greeting': f'hello {who}'}\n",
};

describeWithPython("python step", () => {
  let project: PluginProject;
  beforeAll(() => {
    project = pluginProject(PLUGINS);
  });
  afterAll(() => project?.remove());

  const run = (callable: string, op_kwargs?: Record<string, unknown>, context = project.context().context, signal = never) =>
    runPythonStep(op_kwargs === undefined ? { callable } : { callable, op_kwargs }, context, signal, PYTHON);

  it("is wired as the run function of the python type (loaded when first run)", async () => {
    expect(await pythonStepType(PYTHON).run({ callable: "flat:run", op_kwargs: { who: "wired" } }, project.context().context, never)).toEqual({
      greeting: "hello wired",
    });
  });

  it("returns a dict as the output, None as {}, anything else as {value}", async () => {
    expect(await run("checks.basics:empty")).toEqual({});
    expect(await run("checks.basics:nothing")).toEqual({});
    expect(await run("checks.basics:number")).toEqual({ value: 42 });
    expect(await run("checks.basics:listing")).toEqual({ value: [1, "two", null] });
  });

  it("returns nested data, with dates, Decimal, big integers and UUIDs as text", async () => {
    expect(await run("checks.basics:nested", { scale: 2 })).toEqual({
      scale: 2,
      rows: [
        { id: 1, tags: ["a", "b"] },
        { id: 2, tags: [] },
      ],
      when: "2026-03-29",
      at: "2026-03-29T02:30:00.123456+00:00",
      amount: "12.50",
      big: "18446744073709551616",
      id: "12345678-1234-5678-1234-567812345678",
      unicode: "été · ✓",
    });
  });

  it("fails without retry on an output that is not JSON, naming the type and where it is", async () => {
    const error = await stepFailure(run("checks.basics:unsendable"));
    expect(error.message).toBe("checks.basics:unsendable returned a value that is not JSON-serialisable: type object at ['handle']['inner']");
    expect(error.retryable).toBe(false);
    expect((await stepFailure(run("checks.basics:raw_bytes"))).message).toContain("type bytes at ['blob']: return text (for example base64) instead of bytes");
  });

  it("passes op_kwargs with their JSON types", async () => {
    const kwargs = { count: 3, ratio: 0.5, name: "x", flag: true, none: null, list: [1, { a: 2 }], nested: { deep: [true] } };
    expect(await run("checks.basics:kwargs_echo", kwargs)).toEqual({
      kwargs,
      types: { count: "int", ratio: "float", name: "str", flag: "bool", none: "NoneType", list: "list", nested: "dict" },
    });
  });

  it("turns prints into info lines, stderr into warnings, and ctx.log into lines at each level", async () => {
    const recording = project.context();
    expect(await run("checks.basics:chatty", undefined, recording.context)).toEqual({ done: true });
    const lines = recording.logs.filter((log) => !log.message.startsWith("python 3")).map((log) => [log.level, log.message]);
    expect(lines).toEqual(
      expect.arrayContaining([
        ["info", "first print"],
        ["debug", "a debug line"],
        ["info", "an info line with formatting"],
        ["info", "second print"],
        ["warning", "a warning line"],
        ["error", "an error line"],
        ["warning", "to stderr"],
      ]),
    );
    expect(lines).toHaveLength(7);
    // Never a protocol message in the log.
    expect(recording.logs.some((log) => log.message.includes('"t":'))).toBe(false);
    // Prints and ctx.log lines a moment apart keep their order (unbuffered output).
    const order = lines.map(([, message]) => message);
    expect(order.indexOf("first print")).toBeLessThan(order.indexOf("an info line with formatting"));
    expect(order.indexOf("an info line with formatting")).toBeLessThan(order.indexOf("second print"));
    expect(recording.messages("debug")[0]).toMatch(/^python 3\.\d+\.\d+ \(.+\)$/);
  });

  it("gives ctx the job, run, step, attempt and params, the project environment and the project folder as cwd", async () => {
    const { context } = project.context({
      attempt: 2,
      params: { threshold_percent: 50, day: "2026-03-29" },
      env: { PATH: process.env.PATH, FROM_PROJECT: "yes" },
    });
    const output = await run("checks.basics:context_fields", undefined, context);
    expect(output).toMatchObject({
      job_id: "test-job",
      run_id: "20260101T000000Z-test",
      step: "step",
      attempt: 2,
      params: { threshold_percent: 50, day: "2026-03-29" },
      cwd: project.root,
      env: {
        NOMAFLOW_JOB_ID: "test-job",
        NOMAFLOW_RUN_ID: "20260101T000000Z-test",
        NOMAFLOW_STEP: "step",
        NOMAFLOW_ATTEMPT: "2",
        FROM_PROJECT: "yes",
        PYTHONUNBUFFERED: "1",
      },
      path0: join(project.root, "plugins"),
    });
  });

  it("sends ctx.notify through the context, from sync and async functions", async () => {
    const sent: Array<[string, readonly string[] | undefined]> = [];
    const notify = async (text: string, recipients?: readonly string[]) => void sent.push([text, recipients]);
    expect(await run("checks.basics:notifies", undefined, project.context({ notify }).context)).toEqual({ sent: 2 });
    expect(await run("checks.basics:notifies_async", undefined, project.context({ notify }).context)).toEqual({ sent: 1 });
    expect(sent).toEqual([
      ["sync hello", undefined],
      ["to oncall", ["oncall"]],
      ["async hello", ["teams"]],
    ]);
  });

  it("runs async functions, with asyncio.gather", async () => {
    const recording = project.context();
    expect(await run("checks.asyncs:gathered", { n: 3 }, recording.context)).toEqual({ results: [0, 1, 2] });
    expect(recording.messages("info")).toEqual(["task 2", "task 1", "task 0"]);
  });

  it("fails with the exception's type and message, and logs the traceback at error level (retryable)", async () => {
    const recording = project.context();
    const error = await stepFailure(run("checks.basics:raises", { threshold_percent: 50 }, recording.context));
    expect(error.message).toBe("RuntimeError: row-count delta 62.0% > threshold 50%");
    expect(error.retryable).toBe(true);
    const [traceback] = recording.messages("error");
    expect(traceback).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(traceback).toContain(`File "${join(project.root, "plugins", "checks", "basics.py")}", line`);
    expect(traceback).toContain("in raises\n");
    expect(traceback).toContain("in helper\n");
    expect(traceback).toMatch(/RuntimeError: row-count delta 62\.0% > threshold 50%$/);
    // The bridge's own frames are left out.
    expect(traceback).not.toMatch(/bridge[/\\](nomaflow|_nomaflow_\w+)\.py/);
  });

  it("keeps chained exceptions in the traceback, and reports async exceptions without asyncio's frames", async () => {
    const recording = project.context();
    expect((await stepFailure(run("checks.basics:chained", undefined, recording.context))).message).toBe("ValueError: could not read the config");
    expect(recording.messages("error")[0]).toContain("KeyError: 'missing'\n\nThe above exception was the direct cause of the following exception:");

    const asyncRecording = project.context();
    expect((await stepFailure(run("checks.asyncs:raises_async", undefined, asyncRecording.context))).message).toBe("LookupError: nothing found for 2026-03-29");
    const traceback = asyncRecording.messages("error")[0]!;
    expect(traceback).toContain("in raises_async");
    expect(traceback).not.toMatch(/asyncio[/\\]/);
  });

  it("reports a TypeError raised inside the function as an ordinary exception, not as bad op_kwargs", async () => {
    const error = await stepFailure(run("checks.basics:type_error_inside"));
    expect(error.message).toBe("TypeError: object of type 'int' has no len()");
    expect(error.retryable).toBe(true);
  });

  it("reports sys.exit and a dying interpreter", async () => {
    expect((await stepFailure(run("checks.basics:exits"))).message).toBe("SystemExit: 3");
    const recording = project.context();
    const died = await stepFailure(run("checks.basics:dies", undefined, recording.context));
    expect(died.message).toBe("python exited with code 7 before checks.basics:dies returned");
    expect(died.retryable).toBe(true);
    expect(recording.messages("info")).toContain("about to die");
  });

  it("fails clearly and without retry when the module is missing", async () => {
    const error = await stepFailure(run("checks.nowhere:run"));
    expect(error.message).toBe(
      `callable checks.nowhere:run: module checks.nowhere not found (no plugins/checks/nowhere.py in the project folder ${project.root})`,
    );
    expect(error.retryable).toBe(false);
    expect((await stepFailure(run("nopackage.mod:run"))).message).toMatch(/^callable nopackage\.mod:run: module nopackage\.mod not found/);
  });

  it("fails without retry when the module cannot be imported, with the import's traceback in the log", async () => {
    const recording = project.context();
    const error = await stepFailure(run("checks.broken_import:run", undefined, recording.context));
    expect(error.message).toBe(
      "callable checks.broken_import:run: importing checks.broken_import failed: ModuleNotFoundError: No module named 'nomaflow_no_such_module_xyz'",
    );
    expect(error.retryable).toBe(false);
    expect(recording.messages("error")[0]).toContain("broken_import.py");

    const syntax = await stepFailure(run("checks.bad_syntax:run"));
    expect(syntax.message).toMatch(/^callable checks\.bad_syntax:run: importing checks\.bad_syntax failed: SyntaxError: /);
    expect(syntax.retryable).toBe(false);
  });

  it("fails without retry on a missing function, suggesting close names", async () => {
    const error = await stepFailure(run("checks.basics:emtpy"));
    expect(error.message).toBe("callable checks.basics:emtpy: module checks.basics (plugins/checks/basics.py) has no function emtpy; did you mean empty?");
    expect(error.retryable).toBe(false);
    expect((await stepFailure(run("checks.basics:not_a_function"))).message).toBe(
      "callable checks.basics:not_a_function: not_a_function is not a function (type int)",
    );
  });

  it("fails without retry on op_kwargs the function does not take", async () => {
    const error = await stepFailure(run("flat:run", { who: "x", threshold: 3 }));
    expect(error.message).toBe(
      "callable flat:run cannot be called as run(ctx, **op_kwargs) with op_kwargs threshold, who: run() got an unexpected keyword argument 'threshold'",
    );
    expect(error.retryable).toBe(false);
    expect((await stepFailure(run("checks.basics:takes_nothing"))).message).toContain("takes_nothing() takes 0 positional arguments but 1 was given");
  });

  it("stops what the function left running when it returns", async () => {
    const output = await run("checks.starts_children:leaves_child");
    const { isRunning, eventually } = await import("../../support/processState.js");
    expect(await eventually(() => !isRunning(output.child as number))).toBe(true);
  });
});

describeWithPython("python step: interpreters", () => {
  let project: PluginProject;
  beforeAll(() => {
    project = pluginProject({ "plugins/flat.py": PLUGINS["plugins/flat.py"]!, "bin/.keep": "" });
  });
  afterAll(() => project?.remove());

  it("fails once, without retry, when the interpreter does not exist, saying where it is configured", async () => {
    const byName = await stepFailure(runPythonStep({ callable: "flat:run" }, project.context().context, never, "python-nomaflow-missing"));
    expect(byName.message).toBe(
      "python interpreter not found: python-nomaflow-missing (looked up in the PATH of the project environment); it is set by python.interpreter in nomaflow.yaml or the NOMAFLOW_PYTHON environment variable",
    );
    expect(byName.retryable).toBe(false);
    const byPath = await stepFailure(runPythonStep({ callable: "flat:run" }, project.context().context, never, ".venv/bin/python"));
    expect(byPath.message).toBe(
      `python interpreter not found: .venv/bin/python (a relative path is taken from the project folder ${project.root}); it is set by python.interpreter in nomaflow.yaml or the NOMAFLOW_PYTHON environment variable`,
    );
  });

  it("refuses a Python older than 3.8 with one clear error, before any newer syntax is parsed", async () => {
    // A real interpreter that reports 3.6.9: python3 with a sitecustomize that rewrites sys.version_info.
    mkdirSync(join(project.root, "oldsite"), { recursive: true });
    writeFileSync(join(project.root, "oldsite", "sitecustomize.py"), "import sys\nsys.version_info = (3, 6, 9, 'final', 0)\n");
    const wrapper = join(project.root, "bin", "python3.6");
    writeFileSync(wrapper, `#!/bin/sh\nPYTHONPATH="${join(project.root, "oldsite")}" exec ${PYTHON} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const error = await stepFailure(runPythonStep({ callable: "flat:run" }, project.context().context, never, "bin/python3.6"));
    expect(error.message).toMatch(
      /^python interpreter bin\/python3\.6 is Python 3\.6\.9 \(.+\); the python step needs Python 3\.8 or newer \(the interpreter is set by python\.interpreter in nomaflow\.yaml or the NOMAFLOW_PYTHON environment variable\)$/,
    );
    expect(error.retryable).toBe(false);
  });

  it("says so when the interpreter is not a Python at all", async () => {
    const fake = join(project.root, "bin", "not-python");
    writeFileSync(fake, "#!/bin/sh\necho 'this is not python' >&2\nexit 2\n");
    chmodSync(fake, 0o755);
    const recording = project.context();
    const error = await stepFailure(runPythonStep({ callable: "flat:run" }, recording.context, never, fake));
    expect(error.message).toBe(
      `python interpreter ${fake} exited with code 2 before starting flat:run (is it a Python 3.8+ interpreter? It is set by python.interpreter in nomaflow.yaml or the NOMAFLOW_PYTHON environment variable); last lines of stderr:\n  this is not python`,
    );
    expect(error.retryable).toBe(false);
  });

  it("keeps the interpreter's last answer when what Nomaflow sends it can no longer be delivered", async () => {
    // A stand-in interpreter that stops reading what Nomaflow sends (as one that has exited does),
    // asks something (so a reply is written into that dead end), and only then answers "too old".
    // When both ways shared one pipe, the failed write (EPIPE) destroyed it, and the answer with it.
    const fake = join(project.root, "bin", "stops-reading");
    writeFileSync(
      fake,
      `#!/usr/bin/env ${PYTHON}
import os, socket, time
for fd in (3, 4):
    try:
        pipe = socket.socket(fileno=fd)
        pipe.shutdown(socket.SHUT_RD)
        pipe.detach()
    except OSError:
        pass
os.write(3, b'{"t":"notify","id":1,"text":"are you there?","recipients":null}\\n')
time.sleep(0.5)
os.write(3, b'{"t":"too_old","version":"2.7.18","executable":"/opt/python2.7"}\\n')
`,
    );
    chmodSync(fake, 0o755);
    const error = await stepFailure(runPythonStep({ callable: "flat:run" }, project.context().context, never, fake));
    expect(error.message).toMatch(/^python interpreter .+stops-reading is Python 2\.7\.18 \(\/opt\/python2\.7\); the python step needs Python 3\.8 or newer/);
    expect(error.retryable).toBe(false);
  });
  it("runs with a virtualenv's python, given relative to the project folder", async () => {
    const made = await new Promise<number | null>((resolve) => {
      void import("node:child_process").then(({ spawn }) =>
        spawn(PYTHON, ["-m", "venv", "--without-pip", join(project.root, ".venv")], { stdio: "ignore" }).once("exit", resolve),
      );
    });
    expect(made).toBe(0);
    writeFileSync(
      join(project.root, "plugins", "where.py"),
      "import sys\n\ndef run(ctx):\n    return {'prefix': sys.prefix, 'in_venv': sys.prefix != sys.base_prefix}\n",
    );
    const output = await runPythonStep({ callable: "where:run" }, project.context().context, never, ".venv/bin/python");
    expect(output).toEqual({ prefix: join(project.root, ".venv"), in_venv: true });
  });
});
