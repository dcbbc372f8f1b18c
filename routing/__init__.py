"""Cunzhan's delivery-round planner: a problem goes in, a validated plan comes out.

Pure: no Flask, no database, none of Cunzhan's other packages. See docs/routing.md.
"""

from routing.compiled import Matrices
from routing.distances import DistanceProvider, GreatCircle, Matrix
from routing.many import solve_many
from routing.model import HORIZON, Depot, Place, Problem, Stop, TimeWindow, Vehicle
from routing.planner import SolveOptions, solve
from routing.replan import Progress, replan, replan_problem
from routing.solution import Dropped, DropReason, Route, Solution, Visit
from routing.validate import Report, validate

__all__ = [
    "HORIZON",
    "Depot",
    "DistanceProvider",
    "DropReason",
    "Dropped",
    "GreatCircle",
    "Matrices",
    "Matrix",
    "Place",
    "Problem",
    "Progress",
    "Report",
    "Route",
    "Solution",
    "SolveOptions",
    "Stop",
    "TimeWindow",
    "Vehicle",
    "Visit",
    "replan",
    "replan_problem",
    "solve",
    "solve_many",
    "validate",
]
