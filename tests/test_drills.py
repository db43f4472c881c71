"""The drill catalog (gaitcore.drills) and `gait drills`."""
import subprocess
import sys

import pytest

from gaitcore.cues import step_cue
from gaitcore.drills import load_catalog
from gaitcore.errors import UsageError

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
ISSUE_IDS = ("walk", "jog", "tempo", "acceleration", "sprint", "skip", "power_skip", "high_knees", "ankling",
             "fast_feet", "bunny_hops", "butt_kicks", "lunges", "bounding")


def gait(*args, env=None):
    return subprocess.run([sys.executable, "-m", "sprintgait", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env)


def test_the_shipped_catalog(tmp_path):
    c = load_catalog(tmp_path / "none.toml")
    assert tuple(d.id for d in c.drills) == ISSUE_IDS
    assert all(d.name and d.description and d.judges and d.source == "built-in" for d in c.drills)
    # the simulator's and a coach's spellings find their entry
    assert c.find("skips").id == "skip" and c.find("Fast Feet").id == "fast_feet" and c.find("bounce").id == "ankling"
    assert c.find("nordic curls") is None and c.find(None) is None
    assert c.find("fast_feet").quick_contact_s == 0.1
    # a planned sprint may look like an acceleration (from standing it begins with a sprint start)
    assert c.find("sprint").may_look_like == ("acceleration",) and c.find("acceleration").may_look_like == ()


def test_a_coachs_file_adds_and_replaces(tmp_path):
    user = tmp_path / "drills.toml"
    user.write_text('format = 1\n[cues]\nlonger = "slower off the floor: +{pct}%"\n'
                    '[drill.nordic]\nname = "nordic hops"\ndescription = "single-leg hops"\njudges = ["contact time"]\n'
                    'quick_contact_s = 0.18\n[drill.nordic.cues]\nquick = "pop!"\n'
                    '[drill.sprint]\nname = "flying 30"\ndescription = "flying sprint over 30 m"\n'
                    'judges = ["speed"]\n')
    c = load_catalog(user)
    assert c.drills[-1].id == "nordic" and c.find("nordic").source == str(user)
    assert c.find("sprint").name == "flying 30" and len(c.drills) == len(ISSUE_IDS) + 1
    nordic = c.find("nordic")
    assert step_cue(nordic, 0.19, None, catalog=c).text == "pop!"
    assert step_cue(nordic, 0.17, 0.10, catalog=c).text == "slower off the floor: +70%"
    assert step_cue(c.find("fast_feet"), 0.12, None, catalog=c).text == "quicker off the ground"


@pytest.mark.parametrize("text, says", [
    ("[drill.x\n", "not a drill catalog"),
    ("format = 2\n", "format 2"),
    ('[drill.x]\nname = "x"\ndescription = "d"\n', "needs judges as a list"),
    ('[drill.x]\nname = "x"\ndescription = "d"\njudges = []\nquick_contact_s = 5\n', "quick_contact_s must be"),
    ('[drill.x]\nname = "x"\ndescription = "d"\njudges = []\n[drill.x.cues]\nshout = "go"\n', "cues gait does not have"),
    ('[drill.x]\nname = "x"\ndescription = "d"\njudges = []\n[drill.x.targets]\nspeed = 3\n', "targets speed are not"),
    ('[drill.x]\nname = "x"\ndescription = "d"\njudges = []\nwalking_pace = "yes"\n', "walking_pace must be true or"),
    ('[drill.x]\nname = "x"\ndescription = "d"\njudges = []\nmay_look_like = ["flyz"]\n', "names flyz, which the"),
    ('[drill.x]\nname = "x"\ndescription = "d"\njudges = []\nmay_look_like = "sprint"\n', "may_look_like must be a"),
    ('[drill.x]\nname = "x"\ndescription = "d"\njudges = []\nbout_contact_min_s = 1.0\n', "of a drill done at a walk"),
])
def test_a_bad_file_is_told_in_one_line(tmp_path, text, says):
    user = tmp_path / "drills.toml"
    user.write_text(text)
    with pytest.raises(UsageError, match=says) as e:
        load_catalog(user)
    assert str(user) in str(e.value) and "\n" not in str(e.value)
    r = gait("drills", env={**__import__("os").environ, "SPRINTGAIT_DRILLS": str(user)})
    assert r.returncode == 2 and r.stdout == "" and r.stderr.count("\n") == 1 and says in r.stderr, r.stderr


def test_gait_drills_lists_the_catalog(tmp_path):
    r = gait("drills")
    assert r.returncode == 0, r.stderr
    assert all(f"\n{i} " in "\n" + r.stdout for i in ISSUE_IDS)
    assert "quicker off the ground (a contact over 100 ms)" in r.stdout
    r = gait("drills", "--path")
    assert r.returncode == 0 and "drills.toml" in r.stdout and "no-such-drills.toml (not there" in r.stdout


def test_the_readmes_example_file_is_a_catalog(tmp_path):
    text = (ROOT / "README.md").read_text()
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    user = tmp_path / "drills.toml"
    user.write_text(block)
    nordic = load_catalog(user).find("nordic")
    assert nordic.quick_contact_s == 0.18 and step_cue(nordic, 0.2, None, catalog=load_catalog(user)).text == \
        "pop off the floor"
