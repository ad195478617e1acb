# Two commands: `make lab` opens the course, `make test` runs every test and notebook.
# Both create the virtual environment .venv and install requirements.txt into it first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: lab test report clean

$(BIN)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

lab: $(BIN)/.installed
	$(BIN)/jupyter lab chapters/00_tensors_autograd/00_tensors_autograd.ipynb

# One thread per worker and one notebook per worker (--dist loadscope) is fastest on 2 cores.
test: $(BIN)/.installed
	$(BIN)/ruff check .
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadscope

# Re-execute the chapter notebooks in place and rebuild the README chapter table.
report: $(BIN)/.installed
	$(BIN)/python tools/report.py

clean:
	rm -rf $(VENV) runs
