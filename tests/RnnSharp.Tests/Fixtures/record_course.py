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
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
COURSE = os.path.join(HERE, "course")
# The timeseries lesson reads data-02-stock_daily.csv from beside its script: the recorded runs read the copy that
# samples/TimeSeries ships (one copy of the data in the repository, and the one the C# sample reads).
TIMESERIES_DATA = os.path.normpath(os.path.join(HERE, "..", "..", "..", "samples", "TimeSeries"))

# program -> (the lines after which a model exists: the float64 variant converts it there,
#             further float32 -> float64 replacements the program needs: where it makes float32 tensors otherwise)
PROGRAMS = {
    "lab11_2_hihello": (["rnn = torch.nn.RNN(input_size, hidden_size, batch_first=True)"], {}),
    "lab11_3_charseq": (["rnn = torch.nn.RNN(dic_size, hidden_size, batch_first=True)"], {}),
    "lab11_4_longseq": (["net = Net(dic_size, hidden_size, 2)"], {}),
    "lab11_5_timeseries": (["net = Net(data_dim, hidden_dim, output_dim, 1)"],
                           {"torch.FloatTensor(": "torch.DoubleTensor("}),
    "lab11_6_seq2seq": (["enc = Encoder(load_source_vocab.n_vocab, enc_hidden_size).to(device)",
                         "dec = Decoder(dec_hidden_size, load_target_vocab.n_vocab).to(device)"],
                        {"torch.zeros([1, 1, encoder.hidden_size])":
                         "torch.zeros([1, 1, encoder.hidden_size], dtype=torch.float64)"}),
}

# what a program's __file__ is taken to be (programs run through `python3 -c`, which has none)
FILE = {"lab11_5_timeseries": os.path.join(TIMESERIES_DATA, "lab11_5_timeseries.py")}


def _float64_variant(source, model_lines, replacements):
    for model_line in model_lines:
        assert source.count(model_line) == 1, model_line
        model = model_line.split("=")[0].strip()
        source = source.replace(model_line, f"{model_line}\n{model}.double()  # float64 variant: same initial weights")
    source = source.replace(".float()", ".double()")
    for old, new in replacements.items():
        assert old in source, old
        source = source.replace(old, new)
    return source


def _run(name, source):
    if name in FILE:
        source = f"__file__ = {FILE[name]!r}\n" + source
    # in a scratch folder: the timeseries lesson saves its plot to the current directory
    with tempfile.TemporaryDirectory() as scratch:
        out = subprocess.run(["/usr/bin/python3", "-c", source], capture_output=True, text=True, check=True,
                             cwd=scratch, env={**os.environ, "PYTHONHASHSEED": "0"})
    return out.stdout


def record_course(names=None):
    """Records every program in PROGRAMS, or only those named."""
    for name, (model_lines, replacements) in PROGRAMS.items():
        if names is not None and name not in names:
            continue
        with open(os.path.join(COURSE, name + ".py"), encoding="utf-8") as f:
            source = f.read()
        for suffix, text in ((".out", source), (".f64.out", _float64_variant(source, model_lines, replacements))):
            printed = _run(name, text)
            with open(os.path.join(COURSE, name + suffix), "w", encoding="utf-8", newline="\n") as f:
                f.write(printed)
            print(f"wrote course/{name}{suffix}: {printed.count(chr(10))} lines")
