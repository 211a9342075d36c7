"""Records the course's training programs (../shared/course/lab11_*.py, copied into course/) twice: as written
(float32, what PyTorch prints and the C# samples must print) and in float64 (the same initial weights, converted
to double right after the model is built). The float64 run measures how far PyTorch's own float32 results are
from exact at every iteration: that difference, not a guess, is what the samples' loss comparison allows, and
predictions are compared only where the two runs agree.

Run through record_fixtures.main(), or alone:
PYTHONHASHSEED=0 /usr/bin/python3 -c "import record_course as m; m.record_course()"."""

import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.join(HERE, "course")

# program -> the line after which the model exists (the float64 variant converts it there)
PROGRAMS = {
    "lab11_2_hihello": "rnn = torch.nn.RNN(input_size, hidden_size, batch_first=True)",
    "lab11_3_charseq": "rnn = torch.nn.RNN(dic_size, hidden_size, batch_first=True)",
    "lab11_4_longseq": "net = Net(dic_size, hidden_size, 2)",
}


def _float64_variant(source, model_line):
    assert model_line in source, model_line
    model = model_line.split("=")[0].strip()
    source = source.replace(model_line, f"{model_line}\n{model}.double()  # float64 variant: same initial weights")
    source = source.replace(".float()", ".double()")
    return source


def _run(source):
    out = subprocess.run(["/usr/bin/python3", "-c", source], capture_output=True, text=True, check=True,
                         cwd=COURSE, env={**os.environ, "PYTHONHASHSEED": "0"})
    return out.stdout


def record_course():
    for name, model_line in PROGRAMS.items():
        with open(os.path.join(COURSE, name + ".py"), encoding="utf-8") as f:
            source = f.read()
        for suffix, text in ((".out", source), (".f64.out", _float64_variant(source, model_line))):
            printed = _run(text)
            with open(os.path.join(COURSE, name + suffix), "w", encoding="utf-8", newline="\n") as f:
                f.write(printed)
            print(f"wrote course/{name}{suffix}: {printed.count(chr(10))} lines")
