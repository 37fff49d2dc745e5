from setuptools import setup
setup(name="x", install_requires=["cohere>=5", "requests"])
